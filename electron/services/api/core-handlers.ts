import type { coreRequests } from '../../contract/channels/core.js';
import { because, bmcSecretId, err, jumpSecretId, ok, type ConnectionResult } from '../../contract/index.js';
import { parseInventoryFile } from '../inventory/import.js';
import { readInventoryFile } from '../inventory/import-file.js';
import { openProject, saveProject } from '../project/project-store.js';
import { testConnections } from '../ssh/connection-test.js';
import type { HandlersFor } from './dispatcher.js';
import type { HandlerContext, SharedServices } from './handlers.js';

/** Project, inventory, secrets and connection test: wizard step 1. */
export function createCoreHandlers(ctx: HandlerContext, { knownHosts }: SharedServices): HandlersFor<keyof typeof coreRequests> {
  /** Parse, and move the file's passwords into the secret store (never into the hosts). */
  const importInventory = (fileName: string, text: string) => {
    const parsed = parseInventoryFile(fileName, text);
    if (!parsed.ok) return parsed;
    const secretsStored: string[] = [];
    for (const { hostId, password } of parsed.value.passwords) {
      ctx.secrets.set(hostId, 'password', password);
      secretsStored.push(hostId);
    }
    for (const { hostId, kind, value } of parsed.value.secrets) {
      ctx.secrets.set(hostId, kind, value);
      secretsStored.push(hostId);
    }
    return ok({ hosts: parsed.value.hosts, secretsStored, ...(parsed.value.source ? { source: parsed.value.source } : {}) });
  };

  return {
    'app.info': async () =>
      ok({ version: ctx.version, transport: ctx.transport, dataDir: ctx.dataDir, platform: process.platform }),

    'inventory.parse': async ({ fileName, text }) => importInventory(fileName, text),

    'inventory.importFile': async ({ path }) => {
      const file = await readInventoryFile(path);
      if (!file.ok) return file;
      const imported = importInventory(file.value.fileName, file.value.text);
      return imported.ok ? ok({ fileName: file.value.fileName, ...imported.value }) : imported;
    },

    'inventory.pickFile': async () => {
      if (!ctx.pickFile) {
        return because(err('unsupported', 'The browser host cannot show a file picker', "Type the file's path instead."), 'pick-file-unsupported');
      }
      return ok({ path: await ctx.pickFile() });
    },

    'secrets.set': async ({ hostId, kind, value }) => {
      ctx.secrets.set(hostId, kind, value);
      return ok({});
    },

    'secrets.move': async ({ moves }) => {
      for (const { from, to } of moves) {
        for (const [a, b] of [[from, to], [jumpSecretId(from), jumpSecretId(to)], [bmcSecretId(from), bmcSecretId(to)]] as const) {
          for (const kind of ['password', 'passphrase', 'sudo'] as const) {
            const value = ctx.secrets.get(a, kind);
            if (value === undefined) continue;
            ctx.secrets.set(b, kind, value);
            ctx.secrets.delete(a, kind);
          }
        }
      }
      return ok({});
    },

    'secrets.status': async ({ hostIds }) =>
      ok({
        password: hostIds.filter((id) => ctx.secrets.get(id, 'password') !== undefined),
        passphrase: hostIds.filter((id) => ctx.secrets.get(id, 'passphrase') !== undefined),
        sudo: hostIds.filter((id) => ctx.secrets.get(id, 'sudo') !== undefined),
      }),

    'ssh.testConnections': async ({ hosts, bastion, hostKeyPolicy }) => {
      const results = await testConnections(hosts, {
        reach: { ...(bastion ? { bastion } : {}), ...(hostKeyPolicy ? { hostKeyPolicy } : {}) },
        knownHosts,
        secrets: ctx.secrets,
        onResult: (r: ConnectionResult) => {
          // known_hosts holds the key; this line says when and under which policy it got there.
          if (r.acceptedNew) ctx.log.info('host key accepted on first contact (policy accept-new)', { address: r.address, port: r.port, fingerprint: r.fingerprint });
          ctx.emit('ssh.connectionResult', r);
        },
      });
      return ok({ results });
    },

    'hostkeys.trust': async ({ address, port, fingerprint }) => {
      const trusted = await knownHosts.trustPending(address, port, fingerprint);
      if (!trusted) {
        return because(err(
          'not-found',
          `No key with fingerprint ${fingerprint} was offered by ${address}:${port} in this session`,
          'Run "Test connections" again and confirm the fingerprint it shows.',
        ), 'hostkey-not-offered', { fingerprint, host: `${address}:${port}` });
      }
      ctx.log.info('host key trusted', { address, port, fingerprint });
      return ok({ fingerprint });
    },

    'hostkeys.changes': async () => ok({ changes: knownHosts.changes.list() }),

    'hostkeys.replace': async ({ address, port, fingerprint }) => {
      const before = knownHosts.changes.get(address, port);
      const r = await knownHosts.replaceChanged(address, port, fingerprint);
      if (r === 'not-changed') {
        return because(err('not-found', `The key of ${address}:${port} is not marked as changed`, 'Nothing to replace; test the connection to check it.'),
          'hostkey-not-changed', { host: `${address}:${port}` });
      }
      if (r === 'fingerprint-differs') {
        return because(err(
          'validation-failed',
          `${address}:${port} did not present a key with fingerprint ${fingerprint}${before ? ` (it presents ${before.fingerprint})` : ''}`,
          'Test the connection again and compare the fingerprint it shows now.',
        ), before ? 'hostkey-differs-now' : 'hostkey-differs', { host: `${address}:${port}`, fingerprint, ...(before ? { now: before.fingerprint } : {}) });
      }
      return ok({ fingerprint });
    },

    'project.save': async ({ dir, project, revision, replaceBroken }) => saveProject(dir, project, { revision, ...(replaceBroken ? { replaceBroken } : {}) }),

    'project.open': async ({ dir }) => openProject(dir, { forEditing: true }),

    'project.pickFolder': async ({ purpose }) => {
      if (!ctx.pickFolder) {
        return because(err('unsupported', 'The browser host cannot show a folder picker', 'Type the project folder path instead.'), 'pick-folder-unsupported');
      }
      return ok({ dir: await ctx.pickFolder(purpose) });
    },
  };
}
