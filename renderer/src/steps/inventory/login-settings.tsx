import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { BASTION_SECRET_ID, type HostAuth, type HostKeyPolicy, type JumpHost } from '../../../../electron/contract/index.js';
import { useAppStore } from '../../store/index.js';
import { SecretInput } from './secret-input.js';

/**
 * Project-wide login settings: what a first contact with an unknown host key does, and one
 * bastion for every host without its own jump host. Saved in project.yaml (no secret: the
 * bastion's password or passphrase goes to the secret store like a host's).
 */
export function LoginSettings() {
  const { t } = useTranslation();
  const policy = useAppStore((s) => s.extras.hostKeyPolicy ?? 'confirm');
  const bastion = useAppStore((s) => s.extras.bastion);
  const setExtras = useAppStore((s) => s.setExtras);
  const id = useId();
  const draft: JumpHost = bastion ?? { address: '', port: 22, user: 'root', auth: { method: 'password' } };
  const set = (patch: Partial<JumpHost>) => {
    const next = { ...draft, ...patch };
    // No address: no bastion (hosts are reached directly).
    setExtras({ bastion: next.address.trim() === '' ? undefined : next });
  };
  const method = draft.auth.method;
  const authOf = (m: string): HostAuth =>
    m === 'key' ? { method: 'key', keyPath: draft.auth.method === 'key' ? draft.auth.keyPath : '' } : { method: m === 'agent' ? 'agent' : 'password' };

  return (
    <div className="login-settings" data-testid="login-settings">
      <div className="form-grid">
        <label htmlFor={`${id}-policy`}>{t('login.policy')}</label>
        <select
          id={`${id}-policy`}
          data-testid="hostkey-policy"
          value={policy}
          onChange={(e) => setExtras({ hostKeyPolicy: e.target.value === 'accept-new' ? 'accept-new' : ('confirm' satisfies HostKeyPolicy) })}
        >
          <option value="confirm">{t('login.policyConfirm')}</option>
          <option value="accept-new">{t('login.policyAcceptNew')}</option>
        </select>
      </div>
      <fieldset className="bastion">
        <legend>{t('login.bastion')}</legend>
        <p className="muted small">{t('login.bastionHint')}</p>
        <input
          className="mono"
          data-testid="bastion-address"
          aria-label={t('login.bastionAddress')}
          placeholder={t('login.bastionAddress')}
          spellCheck={false}
          value={bastion?.address ?? ''}
          onChange={(e) => set({ address: e.target.value })}
        />
        <input
          className="w-port mono"
          data-testid="bastion-port"
          aria-label={t('login.bastionPort')}
          inputMode="numeric"
          value={String(draft.port)}
          onChange={(e) => /^\d{0,5}$/.test(e.target.value) && set({ port: Number(e.target.value) || 22 })}
        />
        <input
          className="w-user mono"
          data-testid="bastion-user"
          aria-label={t('login.bastionUser')}
          spellCheck={false}
          value={draft.user}
          onChange={(e) => set({ user: e.target.value })}
        />
        <select data-testid="bastion-auth" aria-label={t('login.bastionAuth')} value={method} onChange={(e) => set({ auth: authOf(e.target.value) })}>
          <option value="password">{t('inventory.authMethod.password')}</option>
          <option value="key">{t('inventory.authMethod.key')}</option>
          <option value="agent">{t('inventory.authMethod.agent')}</option>
        </select>
        {draft.auth.method === 'key' ? (
          <input
            className="w-keypath mono"
            data-testid="bastion-keypath"
            aria-label={t('login.bastionKeyPath')}
            placeholder={t('inventory.keyPathPlaceholder')}
            spellCheck={false}
            value={draft.auth.keyPath}
            onChange={(e) => set({ auth: { method: 'key', keyPath: e.target.value } })}
          />
        ) : null}
        {bastion && method !== 'agent' ? (
          <SecretInput hostId={BASTION_SECRET_ID} kind={method === 'key' ? 'passphrase' : 'password'} row={0} label={t('login.bastion')} testId="bastion" />
        ) : null}
      </fieldset>
    </div>
  );
}
