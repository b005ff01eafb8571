import { Trans, useTranslation } from 'react-i18next';

export function NoToken() {
  const { t } = useTranslation();
  return (
    <main className="full-page-message" data-testid="no-token">
      <div className="card">
        <h1>{t('noToken.title')}</h1>
        <p className="lead">
          <Trans i18nKey="noToken.body" components={{ code: <code /> }} />
        </p>
        <p className="muted">{t('noToken.why')}</p>
      </div>
    </main>
  );
}
