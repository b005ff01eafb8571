import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bmcSecretId, MAX_HOSTS_PER_PROJECT, validateHosts } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails } from '../../components/error-details.js';
import { formatIssue } from '../../lib/format-issue.js';
import { draftToHostInput, newHostDraft, newHostId } from '../../lib/host-draft.js';
import { Modal } from '../../runbook/dialogs.js';
import { useAppStore } from '../../store/index.js';
import { testConnections, trustAndRetest } from './actions.js';
import { HostTable } from './host-table.js';
import { ImportPanel } from './import-panel.js';
import { ProjectPanel } from './project-panel.js';

export function InventoryStep() {
  const { t } = useTranslation();
  const api = useApi();
  const hosts = useAppStore((s) => s.hosts);
  const backendState = useAppStore((s) => s.backendState);
  const { hosts: validHosts, issues } = useMemo(() => validateHosts(hosts.map(draftToHostInput)), [hosts]);
  const globalIssues = issues.filter((i) => i.row <= 0);

  // Which hosts have a password/passphrase stored: refreshed when rows come and go or the link returns.
  // A host's BMC password has an id of its own (bmcSecretId), asked for when the host has a BMC.
  const idKey = hosts.flatMap((h) => (h.bmc ? [h.id, bmcSecretId(h.id)] : [h.id])).join('\n');
  useEffect(() => {
    if (backendState !== 'open' || idKey === '') return;
    const hostIds = idKey.split('\n');
    let cancelled = false;
    void api['secrets.status']({ hostIds }).then((r) => {
      if (!cancelled && r.ok) useAppStore.getState().setSecretFlags(hostIds, r.value);
    });
    return () => {
      cancelled = true;
    };
  }, [api, idKey, backendState]);

  const addHost = () => {
    const s = useAppStore.getState();
    s.addHost(newHostDraft(newHostId(), s.hosts.some((h) => h.role === 'master') ? 'worker' : 'master'));
  };

  return (
    <div className="inventory-step">
      <h1 className="step-title">1. {t('steps.inventory.name')}</h1>
      <ProjectPanel issueCount={issues.length} />
      <section className="panel" aria-labelledby="hosts-title">
        <div className="panel-header">
          <h2 id="hosts-title">{t('inventory.title')}</h2>
          {issues.length > 0 ? (
            <span className="badge badge-danger" data-testid="issue-count">
              {t('inventory.issueCount', { count: issues.length })}
            </span>
          ) : null}
        </div>
        <ImportPanel />
        {globalIssues
          .filter((i) => i.code === 'too-many-hosts')
          .map((i) => (
            <div key={i.code} className="banner banner-danger" role="alert" data-testid="too-many-hosts">
              {formatIssue(t, i)}
            </div>
          ))}
        {globalIssues.some((i) => i.field === 'role') ? (
          <div className="banner banner-warn" role="alert" data-testid="no-master-banner">
            {t('inventory.noMaster')}
          </div>
        ) : null}
        <HostTable issues={issues} />
        <div className="toolbar">
          <button
            type="button"
            data-testid="add-host"
            disabled={hosts.length >= MAX_HOSTS_PER_PROJECT}
            title={hosts.length >= MAX_HOSTS_PER_PROJECT ? t('inventory.maxHosts', { max: MAX_HOSTS_PER_PROJECT }) : undefined}
            onClick={addHost}
          >
            + {t('inventory.add')}
          </button>
          <TestControls validHostCount={validHosts.length} issueCount={issues.length} />
        </div>
        <InventoryErrorBox />
      </section>
    </div>
  );
}

function TestControls({ validHostCount, issueCount }: { validHostCount: number; issueCount: number }) {
  const { t } = useTranslation();
  const api = useApi();
  const hostCount = useAppStore((s) => s.hosts.length);
  const anyTesting = useAppStore((s) => Object.keys(s.testing).length > 0);
  const unknownKeyIds = useAppStore((s) =>
    s.hosts
      .filter((h) => s.results[h.id]?.status === 'hostkey-unknown' && s.results[h.id]?.fingerprint)
      .map((h) => h.id)
      .join('\n'),
  );
  const blocked = hostCount === 0 ? t('test.needsHosts') : issueCount > 0 ? t('test.blocked') : null;
  const [confirmTrust, setConfirmTrust] = useState(false);

  return (
    <>
      <button
        type="button"
        className="primary"
        data-testid="test-connections"
        disabled={blocked !== null || anyTesting || validHostCount === 0}
        onClick={() => {
          const { hosts } = validateHosts(useAppStore.getState().hosts.map(draftToHostInput));
          void testConnections(api, hosts);
        }}
      >
        {anyTesting ? t('test.running') : t('test.button')}
      </button>
      {unknownKeyIds ? (
        <button
          type="button"
          data-testid="trust-all"
          disabled={anyTesting}
          onClick={() => setConfirmTrust(true)}
        >
          {t('conn.trustAll')}
        </button>
      ) : null}
      {confirmTrust && unknownKeyIds ? (
        <TrustAllDialog
          hostIds={unknownKeyIds.split('\n')}
          onConfirm={() => {
            setConfirmTrust(false);
            void trustAndRetest(api, unknownKeyIds.split('\n'));
          }}
          onCancel={() => setConfirmTrust(false)}
        />
      ) : null}
      {blocked ? (
        <span className="muted small" data-testid="test-blocked">
          {blocked}
        </span>
      ) : null}
    </>
  );
}

/**
 * One question for every key "Trust all" would trust, each listed with its fingerprint: a key is
 * trusted once per address:port (rows behind one bastion share the bastion's key).
 */
function TrustAllDialog({ hostIds, onConfirm, onCancel }: { hostIds: string[]; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const hosts = useAppStore((s) => s.hosts);
  const results = useAppStore((s) => s.results);
  const keys = new Map<string, { address: string; port: number; fingerprint: string; jump: boolean; hosts: string[] }>();
  for (const id of hostIds) {
    const r = results[id];
    if (!r?.fingerprint) continue;
    const address = r.keyAddress ?? r.address;
    const port = r.keyPort ?? r.port;
    const k = `${address.toLowerCase()}:${port} ${r.fingerprint}`;
    const h = hosts.find((x) => x.id === id);
    const label = h?.name || r.address;
    const entry = keys.get(k) ?? { address, port, fingerprint: r.fingerprint, jump: r.keyAddress !== undefined, hosts: [] };
    entry.hosts.push(label);
    keys.set(k, entry);
  }
  const list = [...keys.values()];
  return (
    <Modal testId="trust-all-dialog" title={t('conn.trustAllTitle')} onCancel={onCancel}>
      <p className="muted small">{t('conn.trustAllIntro')}</p>
      <ul className="import-list" data-testid="trust-all-list">
        {list.map((k) => (
          <li key={`${k.address}:${k.port} ${k.fingerprint}`} data-testid="trust-all-item" data-address={k.address}>
            <strong>{k.jump ? t('conn.trustAllJump', { address: k.address, port: k.port, hosts: k.hosts.join(', ') }) : `${k.hosts.join(', ')} (${k.address}:${k.port})`}</strong>
            <br />
            <code>{k.fingerprint}</code>
          </li>
        ))}
      </ul>
      <div className="toolbar">
        <button type="button" className="primary" data-testid="trust-all-confirm" onClick={onConfirm}>
          {t('conn.trustAllConfirm', { count: list.length })}
        </button>
        <button type="button" data-testid="trust-all-cancel" onClick={onCancel}>
          {t('conn.trustAllCancel')}
        </button>
      </div>
    </Modal>
  );
}

function InventoryErrorBox() {
  const { t } = useTranslation();
  const failure = useAppStore((s) => s.inventoryError);
  if (!failure) return null;
  const title =
    failure.action === 'trust' ? t('conn.trustFailed', { address: failure.address ?? '' }) : t('test.failed');
  return (
    <div className="message message-error" role="alert" data-testid="inventory-error">
      <ErrorDetails title={title} error={failure.error} />
    </div>
  );
}
