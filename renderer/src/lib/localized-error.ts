import type { TFunction } from 'i18next';
import { causeChain, type AppError } from '../../../electron/contract/index.js';

/** An error's text in the current language when it carries a reason the locale files know; else its English. */
export function localizedError(t: TFunction, error: AppError): { message: string; hint?: string } {
  if (!error.reason) return { message: error.message, hint: error.hint };
  const params = withWordedDetail(t, error.params ?? {});
  return {
    message: t(`reasons.${error.reason}.message`, { ...params, defaultValue: error.message }),
    hint: error.hint === undefined ? undefined : t(`reasons.${error.reason}.hint`, { ...params, defaultValue: error.hint }),
  };
}

/**
 * `detail` is an English fallback; when `cause` names reasons (a connection refused behind a jump
 * host, a shell that could not open…) the detail is their messages in the current language,
 * innermost first, each wording the next one's `detail`.
 */
function withWordedDetail(t: TFunction, params: Record<string, string | number>): Record<string, string | number> {
  const chain = causeChain(params.cause);
  if (chain.length === 0) return params;
  let detail: string | number | undefined = params.detail;
  for (const c of chain.reverse()) detail = t(`reasons.${c}.message`, { ...params, detail, defaultValue: String(detail ?? c) });
  return { ...params, detail: detail ?? '' };
}
