import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails } from '../../components/error-details.js';
import { draftFromHost } from '../../lib/host-draft.js';
import { useAppStore } from '../../store/index.js';

export function ImportPanel() {
  const { t } = useTranslation();
  const api = useApi();
  const outcome = useAppStore((s) => s.importOutcome);
  const [reading, setReading] = useState<string | null>(null);
  const inputId = useId();

  const importFile = async (file: File) => {
    const store = useAppStore.getState();
    setReading(file.name);
    store.setImportOutcome(null);
    try {
      let text: string;
      try {
        text = await file.text();
      } catch (e) {
        console.error('rackside: reading import file failed', e);
        store.setImportOutcome({
          fileName: file.name,
          error: { code: 'io-failed', message: t('import.readFailed') },
          imported: 0,
          secretsStored: 0,
        });
        return;
      }
      const r = await api['inventory.parse']({ fileName: file.name, text });
      const after = useAppStore.getState();
      if (r.ok) {
        after.replaceHosts(r.value.hosts.map(draftFromHost));
        after.setImportOutcome({
          fileName: file.name,
          error: null,
          imported: r.value.hosts.length,
          secretsStored: r.value.secretsStored.length,
        });
      } else {
        // A bad file never touches the inventory: the technician keeps what they had.
        after.setImportOutcome({ fileName: file.name, error: r.error, imported: 0, secretsStored: 0 });
      }
    } finally {
      setReading(null);
    }
  };

  return (
    <div className="import-panel">
      <h3 className="file-label">{t('import.label')}</h3>
      <div className="file-picker">
        <input
          id={inputId}
          className="visually-hidden"
          type="file"
          data-testid="import-file"
          accept=".csv,.yaml,.yml"
          disabled={reading !== null}
          onChange={(e) => {
            const file = e.target.files?.[0];
            // Reset so choosing the same file again (after fixing it) fires change again.
            e.target.value = '';
            if (file) void importFile(file);
          }}
        />
        {/* The native file button speaks the browser's language, not the technician's choice. */}
        <label htmlFor={inputId} className={reading !== null ? 'button-like disabled' : 'button-like'}>
          {t('import.choose')}
        </label>
      </div>
      <p className="muted small">{t('import.help')}</p>
      {reading ? (
        <p className="muted" role="status">
          {t('import.reading', { file: reading })}
        </p>
      ) : null}
      {outcome && outcome.error ? (
        <div className="message message-error" role="alert" data-testid="import-result" data-kind="error">
          <ErrorDetails
            title={t('import.failedTitle', { file: outcome.fileName })}
            error={outcome.error}
            listTestId="import-errors"
            itemTestId="import-error"
            alwaysList
          />
          <p className="muted small">{t('import.unchanged')}</p>
        </div>
      ) : null}
      {outcome && !outcome.error ? (
        <div className="message message-ok" role="status" data-testid="import-result" data-kind="ok">
          <p>{t('import.done', { count: outcome.imported, file: outcome.fileName })}</p>
          {outcome.secretsStored > 0 ? <p>{t('import.secrets', { count: outcome.secretsStored })}</p> : null}
        </div>
      ) : null}
    </div>
  );
}
