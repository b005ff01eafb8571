import { describe, expect, it } from 'vitest';
import { hostKeyStatusSchema } from '../../../electron/contract/index.js';
import { STEP_IDS } from '../store/ui-slice.js';
import en from './en.json';
import zhCN from './zh-CN.json';

/** Leaf keys, with plural suffixes folded (Chinese has only the `_other` form). */
function keys(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k.replace(/_(one|other)$/, '')}`],
  );
}

function lookup(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

describe('translations', () => {
  it('zh-CN has exactly the keys of en', () => {
    expect([...new Set(keys(zhCN))].sort()).toEqual([...new Set(keys(en))].sort());
  });

  it('every step and every connection status has a label in both languages', () => {
    for (const res of [en, zhCN]) {
      for (const id of STEP_IDS) {
        expect(lookup(res, `steps.${id}.name`)).toBeTypeOf('string');
        expect(lookup(res, `steps.${id}.description`)).toBeTypeOf('string');
      }
      for (const s of hostKeyStatusSchema.options) {
        expect(lookup(res, `conn.status.${s}`)).toBeTypeOf('string');
        expect(lookup(res, `conn.help.${s}`)).toBeTypeOf('string');
      }
    }
  });

  it('zh-CN is actually Chinese', () => {
    expect(lookup(zhCN, 'steps.inventory.name')).toBe('项目与清单');
    expect(lookup(zhCN, 'steps.report.name')).toBe('报告');
  });
});
