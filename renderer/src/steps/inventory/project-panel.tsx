import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails } from '../../components/error-details.js';
import { useAppStore } from '../../store/index.js';
import type { ProjectField } from '../../store/project-slice.js';
import { isBrokenFileError, saveProject } from './actions.js';
import { LoginSettings } from './login-settings.js';

export function ProjectPanel({ issueCount }: { issueCount: number }) {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir);
  const dirty = useAppStore((s) => s.dirty);
  const transport = useAppStore((s) => s.transport);
  const message = useAppStore((s) => s.projectMessage);
  const setProjectDir = useAppStore((s) => s.setProjectDir);
  const brokenProject = useAppStore((s) => s.brokenProject);
  const [busy, setBusy] = useState(false);
  const dirId = useId();
  const blockedId = useId();

  const hasDir = dir.trim() !== '';
  const broken = brokenProject !== null && brokenProject.dir === dir.trim() ? brokenProject : null;
  const saveBlockedReason = broken
    ? t('project.brokenBlocked')
    : issueCount > 0
      ? t('project.saveBlocked')
      : !hasDir
        ? t('project.needsDir')
        : null;

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    try {
      await work();
    } finally {
      setBusy(false);
    }
  };

  const save = () =>
    run(async () => {
      await saveProject(api);
    });

  const open = () =>
    run(async () => {
      const target = useAppStore.getState().projectDir.trim();
      // The last message ("Saved to …" of another folder) is not this open's answer: gone until it comes.
      useAppStore.getState().setProjectMessage(null);
      const r = await api['project.open']({ dir: target });
      const store = useAppStore.getState();
      if (r.ok) {
        store.loadProject(r.value.project, r.value.path, target, r.value.revision);
        return;
      }
      if (isBrokenFileError(r.error)) store.setBrokenProject({ dir: target, choice: 'pending' });
      store.setProjectMessage({ kind: 'error', action: 'open', error: r.error });
    });

  const keepBroken = () => {
    if (broken) useAppStore.getState().setBrokenProject({ ...broken, choice: 'keep' });
  };

  const replaceBroken = () =>
    run(async () => {
      await saveProject(api, { replaceBroken: true });
    });

  const browse = () =>
    run(async () => {
      const r = await api['project.pickFolder']({ purpose: 'open' });
      if (!r.ok) useAppStore.getState().setProjectMessage({ kind: 'error', action: 'pick', error: r.error });
      else if (r.value.dir) setProjectDir(r.value.dir);
    });

  return (
    <section className="panel project-panel" aria-labelledby="project-title">
      <div className="panel-header">
        <h2 id="project-title">{t('project.title')}</h2>
        {dirty ? (
          <span className="badge badge-warn" data-testid="project-dirty">
            {t('project.dirty')}
          </span>
        ) : null}
      </div>
      <div className="form-grid">
        <TextField field="site" />
        <TextField field="customer" />
        <TextField field="technician" />
      </div>
      <LoginSettings />
      <div className="dir-row">
        <label htmlFor={dirId}>{t('project.dir')}</label>
        <div className="dir-controls">
          <input
            id={dirId}
            className="mono"
            data-testid="project-dir"
            value={dir}
            spellCheck={false}
            placeholder={t('project.dirPlaceholder')}
            onChange={(e) => setProjectDir(e.target.value)}
          />
          {transport === 'electron' ? (
            <button type="button" data-testid="project-browse" disabled={busy} onClick={() => void browse()}>
              {t('project.browse')}
            </button>
          ) : null}
          <button
            type="button"
            className="primary"
            data-testid="project-save"
            disabled={busy || saveBlockedReason !== null}
            aria-describedby={saveBlockedReason ? blockedId : undefined}
            onClick={() => void save()}
          >
            {t('project.save')}
          </button>
          <button type="button" data-testid="project-open" disabled={busy || !hasDir} onClick={() => void open()}>
            {t('project.open')}
          </button>
        </div>
        {saveBlockedReason ? (
          <p id={blockedId} className="muted small" data-testid="save-blocked">
            {saveBlockedReason}
          </p>
        ) : null}
        {busy ? (
          <p className="muted small" role="status">
            {t('project.working')}
          </p>
        ) : null}
      </div>
      {broken ? (
        <div className="message message-error" data-testid="project-broken" data-choice={broken.choice} role="alert">
          <p>{t('project.broken.title', { dir: broken.dir })}</p>
          {broken.choice === 'keep' ? (
            <p data-testid="project-broken-kept">{t('project.broken.kept')}</p>
          ) : (
            <>
              <p>{t('project.broken.explain')}</p>
              <div className="dir-controls">
                <button type="button" data-testid="project-broken-keep" disabled={busy} onClick={keepBroken}>
                  {t('project.broken.keep')}
                </button>
                <button
                  type="button"
                  className="danger-outline"
                  data-testid="project-broken-replace"
                  disabled={busy || issueCount > 0}
                  onClick={() => void replaceBroken()}
                >
                  {t('project.broken.replace')}
                </button>
              </div>
            </>
          )}
        </div>
      ) : null}
      {message ? (
        <div
          className={message.kind === 'ok' ? 'message message-ok' : 'message message-error'}
          data-testid="project-message"
          data-kind={message.kind}
          role={message.kind === 'ok' ? 'status' : 'alert'}
        >
          {message.kind === 'ok' ? (
            <p>{t(`project.${message.action}`, { path: message.path })}</p>
          ) : (
            <ErrorDetails title={t(`project.${message.action}Failed`)} error={message.error} />
          )}
        </div>
      ) : null}
    </section>
  );
}

function TextField({ field }: { field: ProjectField }) {
  const { t } = useTranslation();
  const value = useAppStore((s) => s[field]);
  const setField = useAppStore((s) => s.setProjectField);
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{t(`project.${field}`)}</label>
      <input
        id={id}
        data-testid={`project-${field}`}
        value={value}
        // The whole value on hover when the field is narrower than it (1280×720: a long site name).
        title={value || undefined}
        maxLength={200}
        onChange={(e) => setField(field, e.target.value)}
      />
    </div>
  );
}
