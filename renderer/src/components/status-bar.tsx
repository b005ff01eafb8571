import { useTranslation } from 'react-i18next';
import { LANGUAGES, isLanguage, useAppStore } from '../store/index.js';

const LANGUAGE_NAMES: Record<(typeof LANGUAGES)[number], string> = { en: 'English', 'zh-CN': '中文' };

export function StatusBar() {
  const { t } = useTranslation();
  const backendState = useAppStore((s) => s.backendState);
  const transport = useAppStore((s) => s.transport);
  const hostCount = useAppStore((s) => s.hosts.length);
  const language = useAppStore((s) => s.language);
  const setLanguage = useAppStore((s) => s.setLanguage);
  return (
    <footer className="status-bar" data-testid="status-bar" aria-label={t('status.label')}>
      <span className="status-item">
        <span className="muted">{t('status.backend')}: </span>
        <span className={`conn-dot ${backendState}`} aria-hidden="true" />
        <span data-testid="backend-status" data-state={backendState} role="status">
          {t(`status.backendState.${backendState}`)}
        </span>
      </span>
      <span className="status-item">
        <span className="muted">{t('status.transport')}: </span>
        <span data-testid="transport" data-transport={transport ?? ''}>
          {t(`status.transportName.${transport ?? 'unknown'}`)}
        </span>
      </span>
      <span className="status-item" data-testid="host-count">
        {t('status.hosts', { count: hostCount })}
      </span>
      <span className="status-spacer" />
      <label className="status-item">
        <span className="muted">{t('status.language')} </span>
        <select
          data-testid="lang-select"
          value={language}
          onChange={(e) => {
            if (isLanguage(e.target.value)) setLanguage(e.target.value);
          }}
        >
          {LANGUAGES.map((l) => (
            <option key={l} value={l} lang={l}>
              {LANGUAGE_NAMES[l]}
            </option>
          ))}
        </select>
      </label>
    </footer>
  );
}
