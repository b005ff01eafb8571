import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { causeChain, type AppError } from '../../../electron/contract/index.js';
import { formatIssue } from '../lib/format-issue.js';

/** An error Result as the technician sees it: what happened, what to do, which rows. */
export function ErrorDetails({
  title,
  error,
  listTestId,
  itemTestId,
  alwaysList = false,
}: {
  title?: string;
  error: AppError;
  listTestId?: string;
  itemTestId?: string;
  /** Render the (possibly empty) issue list anyway, so tests and screen readers find it. */
  alwaysList?: boolean;
}) {
  const { t } = useTranslation();
  const { message, hint } = localizedError(t, error);
  return (
    <div className="error-details">
      <p className="error-message">
        {title ? <strong>{t('error.titled', { title })}</strong> : null}
        {message}
      </p>
      {hint ? <p className="error-hint">{t('error.hint', { hint })}</p> : null}
      {alwaysList || (error.issues && error.issues.length > 0) ? (
        <ul className="issue-list" data-testid={listTestId}>
          {(error.issues ?? []).map((issue, i) => (
            <li key={i} data-testid={itemTestId}>
              {formatIssue(t, issue)}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

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
