import { createInstance } from 'i18next';
import { describe, expect, it } from 'vitest';
import { DRILL_REASONS, validateVerifyPlan, verifyPlanSchema } from '../../../../electron/contract/index.js';
import en from '../../i18n/en.json';
import zhCN from '../../i18n/zh-CN.json';
import { draftFromPlan, planFromDraft } from './verify-draft.js';
import { wizardStepState } from '../../runbook/step-status.js';
import { drillReasonText, drillVerdict, seconds, sortedTimeline } from './drill-view.js';

describe('verify plan draft', () => {
  it('round-trips a plan through the form; no plan is the defaults', () => {
    const plan = verifyPlanSchema.parse({ rtoS: 12, maxClockOffsetMs: 40, rebootHosts: ['h2'] });
    expect(verifyPlanSchema.parse(planFromDraft(draftFromPlan(plan)))).toEqual(plan);
    expect(draftFromPlan(undefined)).toEqual({ rtoS: '30', maxClockOffsetMs: '100', rebootHosts: [] });
  });

  it('what is typed is judged by the contract: an empty or out-of-range number is an issue, not a silent default', () => {
    const codes = (rtoS: string, maxClockOffsetMs: string) =>
      validateVerifyPlan(planFromDraft({ rtoS, maxClockOffsetMs, rebootHosts: [] }), ['h1']).map((i) => `${i.field}:${i.code}`);
    expect(codes('', '100')).toEqual(['rtoS:schema']);
    expect(codes('30', '0')).toEqual(['maxClockOffsetMs:schema']);
    expect(codes('x', '100')).toEqual(['rtoS:schema']);
    expect(codes('30', '100')).toEqual([]);
  });
});

describe('drill view', () => {
  const figures = { outageMs: 2500, detectionMs: 1000, vipMovedMs: 2000, rtoMs: 2600, rejoinMs: 4000, probesSent: 100, probesFailed: 25 };
  const bound = { formula: 'vrrp' as const, params: { advertIntMs: 1000, skewMs: 0 }, boundMs: 3000 };

  it('compares the RTO with the expected bound and with the customer RTO, each on its own', () => {
    expect(drillVerdict({ figures, bound, rtoTargetMs: 30_000 })).toEqual({ withinBound: 'yes', withinRto: 'yes' });
    expect(drillVerdict({ figures, bound: { ...bound, boundMs: 2000 }, rtoTargetMs: 2000 })).toEqual({ withinBound: 'no', withinRto: 'no' });
    expect(drillVerdict({ figures, bound: null, rtoTargetMs: 30_000 })).toEqual({ withinBound: 'unknown', withinRto: 'yes' });
    // Not measured (the VIP never came back, or an abort before it did): neither pass nor fail.
    expect(drillVerdict({ figures: { ...figures, rtoMs: null }, bound, rtoTargetMs: 30_000 })).toEqual({ withinBound: 'unknown', withinRto: 'unknown' });
  });

  it('shows durations in seconds and the timeline in time order', () => {
    expect(seconds(2600)).toBe('2.6 s');
    expect(seconds(null)).toBe('—');
    expect(sortedTimeline([{ atMs: 900, event: 'vip-moved' }, { atMs: 10, event: 'fault-injected' }]).map((e) => e.event)).toEqual(['fault-injected', 'vip-moved']);
  });
});

describe('drill reasons on screen', () => {
  const t = async (lng: string) => {
    const i18n = createInstance();
    await i18n.init({ resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, lng, fallbackLng: 'en', interpolation: { escapeValue: false } });
    return i18n.t;
  };

  it('every reason code has a text in both languages and never shows a raw placeholder, whatever params the engine sent', async () => {
    for (const lng of ['en', 'zh-CN']) {
      const tr = await t(lng);
      for (const code of DRILL_REASONS) {
        // Empty params: the options list sends `no-bmc` for a kind, with no host to name.
        const text = drillReasonText(tr, { code, params: {} });
        expect(text, `${lng} ${code}`).not.toMatch(/\{\{/);
        expect(text, `${lng} ${code}`).not.toBe(code);
      }
      expect(drillReasonText(tr, { code: 'rto-exceeded', params: { rtoMs: 25000, targetMs: 20000 } })).toMatch(/25000.*20000/);
    }
  });
});

describe('wayfinding of step 7', () => {
  it('the stepper follows the verification runner step (it said "not started" after a passed run)', () => {
    const lastRun = { runId: 'r1', stepId: 'verification', planHash: 'h', status: 'completed' as const, startedAt: '2026-12-06T10:00:00Z', hosts: [], findings: [] };
    const steps = { verification: { stepId: 'verification', title: 'x', lastRun, resumable: false, interrupted: [], passed: true, waivers: [] } };
    expect(wizardStepState('verify', steps)).toBe('passed');
  });
});
