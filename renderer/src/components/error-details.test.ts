import { createInstance } from 'i18next';
import { describe, expect, it } from 'vitest';
import { fileTooLarge, requestTooLarge, type AppError, type ReasonCode } from '../../../electron/contract/index.js';
import { BACKEND_RESTARTED, LOST_CONNECTION } from '../api/ws-transport.js';
import en from '../i18n/en.json';
import zhCN from '../i18n/zh-CN.json';
import { localizedError } from './error-details.js';

const t = async (lng: string) => {
  const i18n = createInstance();
  await i18n.init({ resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, lng, fallbackLng: 'en', interpolation: { escapeValue: false } });
  return i18n.t;
};

describe('localizedError', () => {
  const errors: AppError[] = [
    requestTooLarge(9.4 * 1024 * 1024),
    fileTooLarge('big.yaml', 9.4 * 1024 * 1024, 4 * 1024 * 1024, false),
    fileTooLarge('big.yaml', 40 * 1024 * 1024, 32 * 1024 * 1024, true),
    LOST_CONNECTION,
    BACKEND_RESTARTED,
  ];

  it('renders every reason the transports give in both languages, sizes filled in, no placeholder left', async () => {
    const [tEn, tZh] = [await t('en'), await t('zh-CN')];
    for (const e of errors) {
      const inEn = localizedError(tEn, e);
      const inZh = localizedError(tZh, e);
      expect(inEn).toEqual({ message: e.message, hint: e.hint });
      expect(inZh.message).not.toBe(e.message);
      expect(inZh.hint).not.toBe(e.hint);
      for (const text of [inEn.message, inEn.hint, inZh.message, inZh.hint]) expect(text).not.toMatch(/\{\{|reasons\./);
    }
    expect(localizedError(tZh, errors[1]!).message).toBe('文件过大：9.4 MB，上限为 4 MB；这么大的导入文件由后端从磁盘读取');
  });

  it('keeps the English of an error without a reason, or with one the locale files do not know', async () => {
    const tZh = await t('zh-CN');
    expect(localizedError(tZh, { code: 'internal', message: 'boom', hint: 'report it' })).toEqual({ message: 'boom', hint: 'report it' });
    expect(localizedError(tZh, { code: 'internal', message: 'boom', reason: 'no-such-reason' as ReasonCode })).toEqual({ message: 'boom', hint: undefined });
  });
});
