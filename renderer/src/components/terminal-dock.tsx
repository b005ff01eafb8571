import { useTranslation } from 'react-i18next';
import { useAppStore } from '../store/index.js';

export function TerminalDock() {
  const { t } = useTranslation();
  const open = useAppStore((s) => s.dockOpen);
  const toggle = useAppStore((s) => s.toggleDock);
  return (
    <section className={open ? 'dock open' : 'dock'} data-testid="terminal-dock" aria-label={t('dock.title')}>
      <div className="dock-header">
        <h2>{t('dock.title')}</h2>
        <button
          type="button"
          className="link-button"
          data-testid="dock-toggle"
          aria-expanded={open}
          aria-controls="dock-body"
          onClick={toggle}
        >
          {open ? t('dock.hide') : t('dock.show')}
        </button>
      </div>
      {open ? (
        <div id="dock-body" className="dock-body">
          <p className="muted">{t('dock.placeholder')}</p>
        </div>
      ) : null}
    </section>
  );
}
