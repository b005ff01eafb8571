import { lab } from './lab.js';

/**
 * Integration and e2e tests talk to the lab's real sshd. `npm test` brings the lab up first; when
 * it is not up this fails loudly instead of letting tests skip.
 */
export default async function requireLab() {
  // The VM lane of `npm test` (scripts/test.mjs) runs files that need the VM lab only, and check it
  // themselves; the namespace lab is in use — sshd killed, links cut — by the other integration
  // tests at the same time, so its state says nothing about these files.
  if (process.env.RACKSIDE_LAB_VM_LANE === '1') return;
  let status;
  try {
    status = await lab.status();
  } catch (e) {
    throw new Error(`Cannot read the lab's status (${(e as Error).message}). Run: sudo npm run lab -- up`);
  }
  const down = status.nodes.filter((n) => !n.sshd);
  if (!status.up || status.nodes.length < 4 || down.length > 0) {
    throw new Error(
      `The lab is not ready (up=${status.up}, ${status.nodes.length} nodes, sshd down on: ${down.map((n) => n.name).join(', ') || 'none'}). ` +
        'Run: sudo npm run lab -- up --nodes 4',
    );
  }
}
