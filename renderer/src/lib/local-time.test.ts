import { describe, expect, it } from 'vitest';
import { localTime } from './local-time.js';

describe('localTime', () => {
  const at = '2026-12-07T13:05:09.123Z';
  it('shows a journaled time in the UI language and the given time zone, not as ISO', () => {
    expect(localTime(at, 'en', 'UTC')).toBe('Dec 7, 2026, 1:05 PM');
    expect(localTime(at, 'zh-CN', 'Asia/Shanghai')).toBe('2026年12月7日 21:05');
  });
  it('leaves a value that is not a time as it is', () => {
    expect(localTime('', 'en')).toBe('');
    expect(localTime('yesterday', 'zh-CN')).toBe('yesterday');
  });
});
