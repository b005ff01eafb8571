import { useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { REPORT_LANGUAGES, type AppError, type ExportedFile, type ReportFormat, type ReportLanguage, type ReportModel, type ReportSignOff, type ReportVerdictItem, type ReportVerification } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails } from '../../components/error-details.js';
import { useAppStore } from '../../store/index.js';
import './report.css';
import { signOffFor, useSignOffStore, type SignOffDraft } from './sign-off-store.js';

const today = () => new Date().toISOString().slice(0, 10);

/** "Storage / RAID", or "Hardware checks: Preflight" for one step module of a wizard step. */
function verdictStepName(t: TFunction, i: ReportVerdictItem, report: ReportModel): string {
  const phase = t(`steps.${i.phase}.name`, { defaultValue: i.phase });
  if (i.stepId === null) return phase;
  const s = report.steps.find((x) => x.stepId === i.stepId);
  const title = s ? t(s.title, { defaultValue: s.titleEn }) : i.stepId;
  return title === phase ? phase : `${phase}: ${title}`;
}

/**
 * Wizard step 8: the commissioning report. Sign-off names, a preview of exactly the HTML that is
 * exported, and the exports (HTML, PDF, JSON, support bundle) into the project's reports/ folder.
 * The report is built by the backend from the saved project and journal, so unsaved edits must
 * be saved first.
 */
export function ReportStep() {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const dirty = useAppStore((s) => s.dirty);
  const projectTechnician = useAppStore((s) => s.technician);
  const byDir = useSignOffStore((st) => st.byDir);
  const draft = signOffFor(byDir, dir, { technician: projectTechnician, customerRepresentative: '', date: today() });
  const { technician, customerRepresentative, date } = draft;
  const edit = (patch: Partial<SignOffDraft>) => useSignOffStore.getState().update(dir, { ...draft, ...patch });
  const [busy, setBusy] = useState<string | null>(null);
  // What the error below is about: a failed verify is not an export that failed.
  const [lastAction, setLastAction] = useState<string | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [preview, setPreview] = useState<{ report: ReportModel; html: string } | null>(null);
  const [files, setFiles] = useState<ExportedFile[]>([]);
  const [manifest, setManifest] = useState<string | null>(null);
  const [verification, setVerification] = useState<ReportVerification | null>(null);
  // The report's language: the UI's until the technician picks one here.
  const uiLanguage = useAppStore((s) => s.language);
  const [chosenLanguage, setChosenLanguage] = useState<ReportLanguage | null>(null);
  const language: ReportLanguage = chosenLanguage ?? uiLanguage;

  const ready = dir !== '' && !dirty;
  const signOff: ReportSignOff = { technician: technician.trim(), customerRepresentative: customerRepresentative.trim(), date };

  const act = async (what: string, work: () => Promise<void>) => {
    setBusy(what);
    setLastAction(what);
    setError(null);
    try {
      await work();
    } finally {
      setBusy(null);
    }
  };

  const showPreview = () =>
    act('preview', async () => {
      const r = await api['report.preview']({ dir, signOff, language });
      if (r.ok) setPreview(r.value);
      else setError(r.error);
    });

  const exportFormats = (formats: ReportFormat[]) =>
    act(formats.join('+'), async () => {
      const r = await api['report.export']({ dir, signOff, formats, language });
      if (r.ok) {
        setFiles((f) => [...r.value.files, ...f]);
        if (r.value.manifest) setManifest(r.value.manifest);
      } else setError(r.error);
    });

  // The report exported last here, else the newest one in the project's reports/ folder.
  const verify = () =>
    act('verify', async () => {
      setVerification(null);
      const r = await api['report.verify']({ dir, ...(manifest ? { report: manifest } : {}) });
      if (r.ok) setVerification(r.value);
      else setError(r.error);
    });

  const exportBundle = () =>
    act('bundle', async () => {
      const r = await api['report.bundle']({ dir, signOff, language });
      if (r.ok) setFiles((f) => [r.value.file, ...f]);
      else setError(r.error);
    });

  const verdict = preview?.report.verdict;

  return (
    <div className="step-page report-step" data-testid="report-step">
      <h1>{t('steps.report.name')}</h1>
      {!ready ? (
        <p className="muted" data-testid="report-not-ready">
          {dir === '' ? t('report.needsProject') : t('report.needsSave')}
        </p>
      ) : null}
      <section className="panel">
        <h2>{t('report.signOff')}</h2>
        <div className="form-grid">
          <label className="field">
            <span>{t('report.technician')}</span>
            <input data-testid="report-technician" value={technician} maxLength={200} onChange={(e) => edit({ technician: e.target.value })} />
          </label>
          <label className="field">
            <span>{t('report.customerRepresentative')}</span>
            <input
              data-testid="report-customer-rep"
              value={customerRepresentative}
              maxLength={200}
              onChange={(e) => edit({ customerRepresentative: e.target.value })}
            />
          </label>
          <label className="field">
            <span>{t('report.date')}</span>
            <input type="date" data-testid="report-date" value={date} onChange={(e) => edit({ date: e.target.value })} />
          </label>
        </div>
        <p className="muted small">{t('report.signOffHelp')}</p>
      </section>
      <section className="panel">
        <label className="field report-language">
          <span>{t('report.language')}</span>
          <select data-testid="report-language" value={language} onChange={(e) => setChosenLanguage(e.target.value as ReportLanguage)}>
            {REPORT_LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {t(`report.languages.${l}`)}
              </option>
            ))}
          </select>
        </label>
        <div className="report-actions">
          <button type="button" data-testid="report-preview" disabled={!ready || busy !== null} onClick={() => void showPreview()}>
            {t('report.preview')}
          </button>
          <button type="button" className="primary" data-testid="report-export-all" disabled={!ready || busy !== null} onClick={() => void exportFormats(['html', 'pdf', 'json'])}>
            {t('report.exportAll')}
          </button>
          {(['html', 'pdf', 'json'] as const).map((f) => (
            <button key={f} type="button" data-testid={`report-export-${f}`} disabled={!ready || busy !== null} onClick={() => void exportFormats([f])}>
              {t(`report.export.${f}`)}
            </button>
          ))}
          <button type="button" data-testid="report-bundle" disabled={!ready || busy !== null} onClick={() => void exportBundle()}>
            {t('report.bundle')}
          </button>
          <button type="button" data-testid="report-verify" disabled={!ready || busy !== null} onClick={() => void verify()}>
            {t('report.verify.button')}
          </button>
          {busy ? (
            <span className="muted" role="status" data-testid="report-busy">
              {t('report.working')}
            </span>
          ) : null}
        </div>
        {error ? (
          <div data-testid="report-error">
            <ErrorDetails title={t(lastAction === 'verify' ? 'report.verify.failed' : 'report.failed')} error={error} />
          </div>
        ) : null}
        {verification ? <VerificationView v={verification} /> : null}
        {files.length > 0 ? (
          <ul className="report-files" data-testid="report-files">
            {files.map((f) => (
              <li key={f.path} data-testid="report-file" data-kind={f.kind} data-path={f.path}>
                <span className="badge">{f.kind.toUpperCase()}</span> <span className="mono">{f.path}</span>{' '}
                <span className="muted">
                  {t('report.bytes', { count: f.bytes })} · SHA-256 <span className="mono">{f.sha256.slice(0, 16)}…</span>
                </span>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      {preview && verdict ? (
        <section className="panel">
          <h2>
            {t('report.verdict')}:{' '}
            <span className={`verdict verdict-${verdict.status}`} data-testid="report-verdict" data-verdict={verdict.status}>
              {t(`report.verdicts.${verdict.status}`)}
            </span>
          </h2>
          {verdict.items.length > 0 ? (
            <ul className="muted" data-testid="report-reasons">
              {verdict.items.map((i) => (
                <li key={`${i.code}/${i.phase}/${i.stepId ?? ''}`} data-testid="report-reason" data-code={i.code} data-phase={i.phase} data-step={i.stepId ?? ''}>
                  {t(`report.verdictItems.${i.code}`, { step: verdictStepName(t, i, preview.report), count: i.count })}
                </li>
              ))}
            </ul>
          ) : null}
          {/* The exported HTML itself, inert: sandboxed without scripts, so nothing in it can run or load. */}
          <iframe className="report-preview" data-testid="report-preview-frame" title={t('report.previewTitle')} sandbox="" srcDoc={preview.html} />
        </section>
      ) : null}
    </div>
  );
}

/** What verify found: "match", or the first place the report and the project folder differ. */
function VerificationView({ v }: { v: ReportVerification }) {
  const { t } = useTranslation();
  const appended = v.reportLines !== null && v.journalLines > v.reportLines ? v.journalLines - v.reportLines : 0;
  return (
    <div className={`message ${v.match ? 'message-ok' : 'message-error'} report-verify`} role="status" data-testid="report-verify-result" data-match={v.match ? 'yes' : 'no'}>
      <strong>{v.match ? t('report.verify.match') : t('report.verify.differ')}</strong> <span className="mono small">{v.report}</span>
      {v.problems.length > 0 ? (
        <ul>
          {v.problems.map((p, k) => (
            <li key={k} data-testid="report-verify-problem" data-code={p.code} data-line={p.line ?? ''} data-file={p.file ?? ''}>
              {t(`report.verify.problems.${p.code}`, { line: p.line, toLine: p.toLine ?? p.line, file: p.file ?? '' })}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="small">
        {v.chainedFrom === null
          ? t('report.verify.unchained')
          : v.chainedFrom > 1
            ? t('report.verify.chainedFrom', { lines: v.journalLines, line: v.chainedFrom })
            : t('report.verify.chained', { lines: v.journalLines })}
        {v.match && appended > 0 ? ` ${t('report.verify.appended', { count: appended })}` : ''}
      </div>
    </div>
  );
}
