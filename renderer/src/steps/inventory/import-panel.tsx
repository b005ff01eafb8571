import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fileTooLarge, MAX_IMPORT_TEXT_BYTES, toMb, type AppError, type Host } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails } from '../../components/error-details.js';
import { draftFromHost } from '../../lib/host-draft.js';
import { useAppStore } from '../../store/index.js';

export function ImportPanel() {
  const { t } = useTranslation();
  const api = useApi();
  const outcome = useAppStore((s) => s.importOutcome);
  const transport = useAppStore((s) => s.transport);
  const [reading, setReading] = useState<string | null>(null);
  const [path, setPath] = useState('');
  const inputId = useId();
  const pathId = useId();

  /** A bad file never touches the inventory: the technician keeps what they had. */
  const finish = (fileName: string, r: { ok: true; value: { hosts: Host[]; secretsStored: string[] } } | { ok: false; error: AppError }) => {
    const after = useAppStore.getState();
    if (r.ok) {
      after.replaceHosts(r.value.hosts.map(draftFromHost));
      after.setImportOutcome({ fileName, error: null, imported: r.value.hosts.length, secretsStored: r.value.secretsStored.length });
    } else {
      after.setImportOutcome({ fileName, error: r.error, imported: 0, secretsStored: 0 });
    }
  };

  /** The backend reads the file from its own disk: no size travels through the socket. */
  const importPath = async (filePath: string) => {
    const fileName = filePath.split(/[\\/]/).pop() || filePath;
    setReading(fileName);
    useAppStore.getState().setImportOutcome(null);
    try {
      const r = await api['inventory.importFile']({ path: filePath });
      finish(r.ok ? r.value.fileName : fileName, r);
    } finally {
      setReading(null);
    }
  };

  // Electron: the native dialog gives a path, so every file is read from disk by the backend.
  const pickFile = async () => {
    const r = await api['inventory.pickFile']({});
    if (!r.ok) return void useAppStore.getState().setImportOutcome({ fileName: '', error: r.error, imported: 0, secretsStored: 0 });
    if (r.value.path) await importPath(r.value.path);
  };

  const importFile = async (file: File) => {
    const store = useAppStore.getState();
    store.setImportOutcome(null);
    // The page cannot tell the backend where the file is; a big one would have to go through the
    // socket, so it is refused before reading and the technician types its path instead.
    if (file.size > MAX_IMPORT_TEXT_BYTES) {
      store.setImportOutcome({ fileName: file.name, error: fileTooLarge(file.name, file.size, MAX_IMPORT_TEXT_BYTES, false), imported: 0, secretsStored: 0 });
      return;
    }
    setReading(file.name);
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
      finish(file.name, await api['inventory.parse']({ fileName: file.name, text }));
    } finally {
      setReading(null);
    }
  };

  return (
    <div className="import-panel">
      <h3 className="file-label">{t('import.label')}</h3>
      <div className="file-picker">
        {transport === 'electron' ? (
          <button type="button" data-testid="import-pick" disabled={reading !== null} onClick={() => void pickFile()}>
            {t('import.choose')}
          </button>
        ) : null}
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
        {transport === 'electron' ? null : (
          <label htmlFor={inputId} className={reading !== null ? 'button-like disabled' : 'button-like'}>
            {t('import.choose')}
          </label>
        )}
      </div>
      <p className="muted small">{t('import.help')}</p>
      <form
        className="import-path"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim() !== '') void importPath(path.trim());
        }}
      >
        <label htmlFor={pathId}>{t('import.pathLabel')}</label>
        <input
          id={pathId}
          type="text"
          data-testid="import-path"
          value={path}
          placeholder={t('import.pathPlaceholder')}
          spellCheck={false}
          onChange={(e) => setPath(e.target.value)}
        />
        <button type="submit" data-testid="import-path-submit" disabled={reading !== null || path.trim() === ''}>
          {t('import.pathButton')}
        </button>
        <p className="muted small">{t('import.pathHelp', { limitMb: toMb(MAX_IMPORT_TEXT_BYTES) })}</p>
      </form>
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
