import { useTranslation } from 'react-i18next';
import type { AppError } from '../../../electron/contract/index.js';
import { formatIssue } from '../lib/format-issue.js';
import { localizedError } from '../lib/localized-error.js';

export { localizedError };

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
