import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useBackend } from '../api/backend-context.js';
import { applyLanguage } from '../i18n/index.js';
import { HardwareStep } from '../steps/hardware/hardware-step.js';
import { InventoryStep } from '../steps/inventory/inventory-step.js';
import { ReportStep } from '../steps/report/report-step.js';
import { NetworkStep } from '../steps/network/network-step.js';
import { MasterStep } from '../steps/master/master-step.js';
import { JoinStep } from '../steps/join/join-step.js';
import { VerifyStep } from '../steps/verify/verify-step.js';
import { StorageStep } from '../steps/storage/storage-step.js';
import { useAppStore } from '../store/index.js';
import { StatusBar } from './status-bar.js';
import { StepPlaceholder } from './step-placeholder.js';
import { Stepper } from './stepper.js';
import { TerminalDock } from './terminal-dock.js';

export function App() {
  const { t } = useTranslation();
  const backend = useBackend();
  const step = useAppStore((s) => s.step);
  const language = useAppStore((s) => s.language);
  const backendState = useAppStore((s) => s.backendState);
  const transport = useAppStore((s) => s.transport);

  useEffect(() => applyLanguage(language), [language]);

  useEffect(() => {
    const { setBackendState } = useAppStore.getState();
    setBackendState(backend.getState());
    return backend.onStateChange(setBackendState);
  }, [backend]);

  useEffect(() => {
    if (backendState !== 'open' || transport !== null) return;
    let cancelled = false;
    void backend.api['app.info']({}).then((r) => {
      if (cancelled) return;
      if (r.ok) useAppStore.getState().setTransport(r.value.transport);
      else console.error('rackside: app.info failed', r.error);
    });
    return () => {
      cancelled = true;
    };
  }, [backend, backendState, transport]);

  // Live per-host results while a connection test runs; the request's reply repeats them all.
  useEffect(() => backend.api.on('ssh.connectionResult', (r) => useAppStore.getState().setResult(r)), [backend]);

  // Hosts whose key changed: marked in the inventory, the steps and the terminal until replaced.
  useEffect(() => backend.api.on('hostkeys.changed', (e) => useAppStore.getState().applyHostKeyEvent(e.state, e.change)), [backend]);
  useEffect(() => {
    if (backendState !== 'open') return;
    void backend.api['hostkeys.changes']({}).then((r) => {
      if (r.ok) useAppStore.getState().setHostKeyChanges(r.value.changes);
    });
  }, [backend, backendState]);

  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <span className="brand-name">{t('app.title')}</span>
          <span className="brand-tagline">{t('app.tagline')}</span>
        </div>
        <Stepper />
      </header>
      {backendState === 'stale' ? (
        // Retrying cannot help: the backend has a new token. Say so where it cannot be missed.
        <div className="message message-error" role="alert" data-testid="backend-restarted">
          <p>
            <strong>{t('status.restartedTitle')}</strong>
          </p>
          <p>{t('status.restartedBody')}</p>
        </div>
      ) : null}
      {backendState === 'unreachable' ? (
        <div className="message banner-warn" role="status" data-testid="backend-unreachable">
          <p>
            <strong>{t('status.unreachableTitle')}</strong>
          </p>
          <p>{t('status.unreachableBody')}</p>
        </div>
      ) : null}
      <main className="app-main">
        {step === 'inventory' ? <InventoryStep /> : step === 'hardware' ? <HardwareStep /> : step === 'network' ? <NetworkStep /> : step === 'storage' ? <StorageStep /> : step === 'master' ? <MasterStep /> : step === 'workers' ? <JoinStep /> : step === 'verify' ? <VerifyStep /> : step === 'report' ? <ReportStep /> : <StepPlaceholder step={step} />}
      </main>
      <TerminalDock />
      <StatusBar />
    </div>
  );
}
