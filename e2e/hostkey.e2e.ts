import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys } from '../scripts/test-support/lab.js';
import { TerminalPage } from './pages/terminal-page.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';

// End to end: Debian's Chromium → browser host (built app) → the lab's real sshd, whose node 4
// gets a new host key mid-test (`lab hostkey regen`).
const NODE = 4;
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let term: TerminalPage;

const fingerprintOnNode = async () => (await lab.exec(NODE, 'ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub')).split(' ')[1]!;

beforeAll(async () => {
  host = await startBrowserHost();
  // The keys as read at the nodes' consoles: first contact is another test's subject.
  await trustLabHostKeys(host.dataDir, [1, 2, 3, 4]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  wizard = new WizardPage(page);
  term = new TerminalPage(page);
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('a host key that changes', () => {
  it('marks the host in the inventory and the terminal, and only the replace control with both fingerprints clears it', async () => {
    await wizard.open(host.url);
    await wizard.importInventory((await lab.inventoryText()).path);
    await wizard.waitForRows((rows) => rows.length === 4);
    await wizard.testConnections();
    await wizard.waitForRows((rows) => rows.every((r) => r.status === 'ok'));
    const shell = await term.openHostShell(`node${NODE}`);

    const oldFp = await fingerprintOnNode();
    await lab.run('hostkey', 'regen', String(NODE));
    const newFp = await fingerprintOnNode();

    await wizard.testConnections();
    // Every row's result, not only the changed one's: the other three answer as before.
    const rows = await wizard.waitForRows((r) => r[NODE - 1]?.status === 'hostkey-changed' && r.filter((x) => x.status === 'ok').length === 3);
    expect(rows.filter((r) => r.status === 'ok')).toHaveLength(3);
    const row = wizard.rows().nth(NODE - 1);
    await row.getByTestId('hostkey-changed-mark').waitFor();
    expect(await row.getByTestId('hostkey-old').allInnerTexts()).toEqual([oldFp]);
    expect(await row.getByTestId('hostkey-new').innerText()).toBe(newFp);

    // The shell opened before the change was ended, and its pane carries the mark.
    const pane = term.pane(shell);
    await pane.getByTestId('terminal-hostkey-changed').waitFor();
    await eventually(() => pane.getAttribute('data-state'), (s) => s === 'exited');
    expect(await pane.getByTestId('terminal-pane-exited').innerText()).toContain('Host key changed');
    // And a new shell on the host is refused, naming the cause.
    await expect(term.openHostShell(`node${NODE}`)).rejects.toThrow(/Host key changed/);
    await screenshot(page, 'hostkey-changed');

    // Replacing needs the explicit "compared" confirmation; afterwards the row connects again.
    const confirm = row.getByTestId('hostkey-replace-confirm');
    expect(await confirm.isDisabled()).toBe(true);
    await row.getByTestId('hostkey-compared').check();
    await confirm.click();
    await wizard.waitForRows((r) => r[NODE - 1]?.status === 'ok' && r[NODE - 1]!.fingerprint.includes(newFp));
    expect(await page.getByTestId('hostkey-changed-mark').count()).toBe(0);
    expect(await pane.getByTestId('terminal-hostkey-changed').count()).toBe(0);
    await term.openHostShell(`node${NODE}`);
  });
});
