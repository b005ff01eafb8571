import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fileTooLarge, MAX_IMPORT_TEXT_BYTES, toMb, type AppError, type Host, type ImportSource } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails } from '../../components/error-details.js';
import { formatIssue } from '../../lib/format-issue.js';
import { draftFromHost, type HostDraft } from '../../lib/host-draft.js';
import type { ImportPlan } from '../../lib/import-plan.js';
import { useAppStore } from '../../store/index.js';
import { ImportDialog, type PendingImport } from './import-dialog.js';

const NO_HOSTS: HostDraft[] = [];

export function ImportPanel() {
  const { t } = useTranslation();
  const api = useApi();
  const outcome = useAppStore((s) => s.importOutcome);
  const transport = useAppStore((s) => s.transport);
  const [reading, setReading] = useState<string | null>(null);
  const [path, setPath] = useState('');
  const [pending, setPending] = useState<PendingImport | null>(null);
  // Only while the dialog is open: typing in a big inventory should not re-render this panel.
  const existing = useAppStore((s) => (pending ? s.hosts : NO_HOSTS));
  const inputId = useId();
  const pathId = useId();

  /**
   * A bad file never touches the inventory: the technician keeps what they had. A file whose roles
   * come from groups (Ansible, k0sctl), or any file into a non-empty inventory, waits for the
   * technician's choices in the import dialog.
   */
  const finish = (
    fileName: string,
    r: { ok: true; value: { hosts: Host[]; secretsStored: string[]; source?: ImportSource | undefined } } | { ok: false; error: AppError },
  ) => {
    const after = useAppStore.getState();
    if (!r.ok) return void after.setImportOutcome({ fileName, error: r.error, imported: 0, secretsStored: 0 });
    if (after.hosts.length > 0 || r.value.source) {
      setPending({ fileName, hosts: r.value.hosts, secretsStored: r.value.secretsStored, source: r.value.source });
      return;
    }
    after.replaceHosts(r.value.hosts.map(draftFromHost));
    after.setImportOutcome({ fileName, error: null, imported: r.value.hosts.length, secretsStored: r.value.secretsStored.length });
  };

  const confirm = async (p: PendingImport, plan: ImportPlan, hostCount: number) => {
    setPending(null);
    // The file's secrets follow the rows that keep their ids; nothing else reads them meanwhile.
    if (plan.secretMoves.length > 0) {
      const moved = await api['secrets.move']({ moves: plan.secretMoves });
      if (!moved.ok) return void useAppStore.getState().setImportOutcome({ fileName: p.fileName, error: moved.error, imported: 0, secretsStored: 0 });
    }
    const after = useAppStore.getState();
    const hadHosts = after.hosts.length > 0;
    after.applyImport(plan.hosts, plan.keepResults);
    after.setImportOutcome({
      fileName: p.fileName,
      error: null,
      imported: hostCount,
      secretsStored: p.secretsStored.length,
      ...(hadHosts ? { changes: { added: plan.added.length, changed: plan.changed.length, removed: plan.removed.length, unchanged: plan.unchanged.length } } : {}),
      ...(p.source?.notes.length ? { notes: p.source.notes } : {}),
    });
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
      {pending ? (
        <ImportDialog
          pending={pending}
          existing={existing}
          onConfirm={(plan, count) => void confirm(pending, plan, count)}
          onCancel={() => {
            setPending(null);
            useAppStore.getState().setImportOutcome(null);
          }}
        />
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
          {outcome.changes ? <p data-testid="import-changes-summary">{t('import.doneChanges', outcome.changes)}</p> : null}
          {outcome.secretsStored > 0 ? <p>{t('import.secrets', { count: outcome.secretsStored })}</p> : null}
          {outcome.notes ? (
            <>
              <p>{t('import.notesDone', { count: outcome.notes.length })}</p>
              <ul data-testid="import-notes-summary">
                {outcome.notes.map((n, i) => (
                  <li key={i}>{formatIssue(t, n)}</li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
