import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppError, EventOf, KitCheck, ResponseOf } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails } from '../../components/error-details.js';
import { useAppStore } from '../../store/index.js';

type Progress = EventOf<'kit.progress'>;
type Verified = ResponseOf<'kit.verify'>['targets'];

const mb = (n: number) => (n / 1024 ** 2).toFixed(1);
const eta = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;

/**
 * The site kit of step 5's package source (issue 22), beside the plan that says what goes in it:
 * build (progress with bytes and ETA), verify (each bad file with why) and "ready to leave?" (each
 * check green or red with its fix). Shown when the saved plan's source is the kit.
 */
export function KitPanel({ kitDir }: { kitDir: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  // The build form lives in the store: visiting another step (the preflight, to read the hosts) keeps it.
  const { sourceUri, suite, trusted, statusFile, targets } = useAppStore((s) => s.kitForm);
  const setKitForm = useAppStore((s) => s.setKitForm);
  const setSourceUri = (sourceUri: string) => setKitForm({ sourceUri });
  const setSuite = (suite: string) => setKitForm({ suite });
  const setTrusted = (trusted: boolean) => setKitForm({ trusted });
  const setStatusFile = (statusFile: string) => setKitForm({ statusFile });
  const setTargets = (targets: string) => setKitForm({ targets });
  const [busy, setBusy] = useState<'' | 'build' | 'verify' | 'check'>('');
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [verified, setVerified] = useState<Verified | null>(null);
  const [checks, setChecks] = useState<KitCheck[] | null>(null);
  // How many builds / pre-checks / verifications have answered: a new answer is told from the last one.
  const [answers, setAnswers] = useState({ build: 0, check: 0, verify: 0 });
  const answered = (k: keyof typeof answers) => setAnswers((a) => ({ ...a, [k]: a[k] + 1 }));

  useEffect(() => api.on('kit.progress', (p) => (p.kitDir === kitDir ? setProgress(p) : undefined)), [api, kitDir]);

  const build = async () => {
    setBusy('build');
    setError(null);
    setProgress(null);
    // The last verification was of the kit before this build: its bad files may be fixed now.
    setVerified(null);
    const list = targets.split(/[\s,]+/).filter(Boolean).map((x) => ({ release: x.slice(0, x.lastIndexOf('-')), arch: x.slice(x.lastIndexOf('-') + 1) }));
    const flat = suite.trim() === './';
    const r = await api['kit.build']({
      dir, kitDir, targets: list, statusFile: statusFile.trim(),
      sources: [{ uri: sourceUri.trim(), suite: suite.trim(), components: flat ? [] : ['main'], trusted }],
    });
    setBusy('');
    if (!r.ok) setError(r.error);
    answered('build');
  };
  const verify = async () => {
    setBusy('verify');
    const r = await api['kit.verify']({ kitDir });
    setBusy('');
    if (r.ok) setVerified(r.value.targets);
    else setError(r.error);
    answered('verify');
  };
  const check = async () => {
    setBusy('check');
    const r = await api['kit.status']({ dir, kitDir });
    setBusy('');
    if (r.ok) setChecks(r.value.checks);
    else setError(r.error);
    answered('check');
  };

  const field = (label: string, value: string, set: (v: string) => void, testId: string) => (
    <label className="net-field">
      <span>{label}</span>
      <input data-testid={testId} value={value} onChange={(e) => set(e.target.value)} />
    </label>
  );
  const pct = progress && progress.totalBytes > 0 ? Math.round((100 * progress.doneBytes) / progress.totalBytes) : progress?.stage === 'done' ? 100 : 0;

  return (
    <section className="panel net-plan" data-testid="kit-panel" data-builds={answers.build} data-checks={answers.check} data-verifies={answers.verify}>
      <div className="panel-header">
        <h2>{t('kit.title')}</h2>
      </div>
      <p className="muted small">{t('kit.about', { dir: kitDir })}</p>
      <div className="net-cluster">
        {field(t('kit.sourceUri'), sourceUri, setSourceUri, 'kit-source-uri')}
        {field(t('kit.suite'), suite, setSuite, 'kit-suite')}
        <label className="net-field">
          <span>{t('kit.trusted')}</span>
          <input type="checkbox" data-testid="kit-trusted" checked={trusted} onChange={(e) => setTrusted(e.target.checked)} />
        </label>
        {field(t('kit.statusFile'), statusFile, setStatusFile, 'kit-status-file')}
        {field(t('kit.targets'), targets, setTargets, 'kit-targets')}
      </div>
      <div className="button-row">
        <button type="button" className="primary" data-testid="kit-build" disabled={busy !== '' || !dir} onClick={() => void build()}>{t('kit.build')}</button>
        <button type="button" data-testid="kit-verify" disabled={busy !== ''} onClick={() => void verify()}>{t('kit.verify')}</button>
        <button type="button" data-testid="kit-precheck" disabled={busy !== '' || !dir} onClick={() => void check()}>{t('kit.precheck')}</button>
      </div>
      {progress ? (
        <div data-testid="kit-progress" data-stage={progress.stage}>
          <progress max={100} value={pct} />{' '}
          <span>
            {progress.target}: {t(`kit.stage.${progress.stage}`)} — {t('kit.bytes', { done: mb(progress.doneBytes), total: mb(progress.totalBytes), reused: mb(progress.reusedBytes) })}
            {progress.etaS !== null && progress.stage !== 'done' ? ` — ${t('kit.eta', { eta: eta(progress.etaS) })}` : ''}
          </span>
        </div>
      ) : null}
      {error ? <div data-testid="kit-error"><ErrorDetails error={error} /></div> : null}
      {verified ? (
        <div data-testid="kit-verified">
          {verified.length === 0 ? <p>{t('kit.verifyNothing')}</p> : null}
          {verified.map((v) => (
            <div key={v.target} data-testid="kit-verified-target" data-target={v.target} data-ok={v.problems.length === 0}>
              <strong>{v.target}</strong>: {v.problems.length === 0 ? t('kit.verifyOk') : t('kit.verifyBad', { count: v.problems.length })}
              <ul>
                {v.problems.map((p) => (
                  <li key={`${p.file}:${p.why}`} data-testid="kit-problem" data-why={p.why}>
                    <code>{p.file}</code>: {t(`kit.why.${p.why}`)}
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      ) : null}
      {checks ? (
        <div data-testid="kit-checks">
          <h3>{checks.every((c) => c.ok) ? t('kit.ready') : t('kit.notReady', { count: checks.filter((c) => !c.ok).length })}</h3>
          <ul className="kit-checks">
            {checks.map((c) => (
              <li key={c.id} data-testid="kit-check" data-check={c.id} data-ok={c.ok} style={{ color: c.ok ? 'var(--ok, #1a7f37)' : 'var(--bad, #cf222e)' }}>
                <span aria-hidden="true">{c.ok ? '● ' : '✖ '}</span>
                <span data-testid="kit-check-text">{t(`kit.check.${c.id}.${c.ok ? 'ok' : 'bad'}`, { ...c.params, ...(c.params.why ? { why: t(`kit.why.${c.params.why}`) } : {}) })}</span>
                {c.ok ? null : <div className="muted small" data-testid="kit-check-fix">{t('kit.fix', { fix: t(`kit.check.${c.id}.fix`, c.params) })}</div>}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
