import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab } from '../scripts/test-support/lab.js';
import { NetworkPage } from './pages/network-page.js';
import { WizardPage } from './pages/wizard-page.js';
import { ARTIFACTS, launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';
import { setUpLabProject } from './support/lab-project.js';

// End to end: the Network step on the 4-node lab, through the real runner and sshd. Delay and loss
// come from `lab impair` (a userspace relay: this kernel has no netem qdisc).
let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let net: NetworkPage;
let projectDir: string;
let addr: string[];
const NODES = [1, 2, 3, 4];

async function restoreNodes() {
  await lab.run('impair', '3', '--clear').catch(() => {});
  for (const i of NODES) {
    await lab.exec(i, 'sh', '-c', `hostname node${i}; echo node${i} > /etc/hostname; if [ -e /etc/hosts.rackside-orig ]; then cat /etc/hosts.rackside-orig > /etc/hosts; rm -f /etc/hosts.rackside-orig; fi`).catch(() => {});
  }
}

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  wizard = new WizardPage(page);
  net = new NetworkPage(page);
  addr = (await lab.status()).nodes.slice(0, 4).map((n) => n.address);
  projectDir = join(await mkdtemp(join(tmpdir(), 'rs-e2e-net-')), 'p');
  await setUpLabProject(wizard, host.url, { site: 'Lab', customer: 'ACME', technician: 'E2E Tech', dir: projectDir });
  await net.open();
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await restoreNodes();
  await browser?.close();
  await host?.stop();
});

describe('Network', () => {
  it('shows every node\'s interfaces, and rejects a plan with a duplicate address before anything is applied', async () => {
    const ifaces = await net.readInterfaces();
    expect(ifaces.filter((r) => r.iface === 'eth0')).toHaveLength(4);
    for (const a of addr) expect(ifaces.map((r) => r.text).join('\n')).toContain(`${a}/24`);

    const gw = addr[0]!.replace(/\.\d+$/, '.1');
    await net.setHost(addr[0]!, { name: 'eth0', address: addr[0]!, prefix: '24', gateway: gw });
    await net.setHost(addr[1]!, { name: 'eth0', address: addr[0]!, prefix: '24', gateway: gw });
    // Shown while typing, and nothing can be applied.
    await expect.poll(async () => (await net.issues()).map((i) => i.code)).toContain('address-duplicate');
    expect((await net.issues()).find((i) => i.code === 'address-duplicate')!.text).toContain(`address ${addr[0]} is already used by node1`);
    for (const b of await net.addressingButtons().all()) expect(await b.isDisabled()).toBe(true);

    const before = await readFile(join(projectDir, 'project.yaml'), 'utf8');
    const r = await net.savePlan();
    expect(r.saved).toBe(false);
    expect(r.text).toMatch(/nothing was saved or applied/);
    // The refusal's rows are worded from network.issue.<code>, as the editor's own list above.
    expect(r.text).toContain(`address ${addr[0]} is already used by node1`);
    expect(await readFile(join(projectDir, 'project.yaml'), 'utf8')).toBe(before);
    // node2 still has its own address, and no apply script ever reached it.
    expect(await lab.exec(2, 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0')).toContain(`${addr[1]}/24`);
    expect(await lab.exec(2, 'sh', '-c', 'ls /run/rackside/net 2>/dev/null | wc -l')).toBe('0\n');
    await screenshot(page, 'network-duplicate-rejected');
  });

  it('applies hostnames and /etc/hosts on all four nodes, reads them back, and a second run changes nothing', async () => {
    for (const [i, a] of addr.entries()) await net.setHost(a, { hostname: `rack-a-0${i + 1}`, name: '', address: '', prefix: '', gateway: '' });
    await net.setCluster({ domain: 'rack-a.lab', vip: addr[0]!.replace(/\.\d+$/, '.100'), 'vip-name': 'cluster' });
    await expect.poll(() => net.issues()).toEqual([]);
    expect((await net.savePlan()).saved).toBe(true);
    expect(await readFile(join(projectDir, 'project.yaml'), 'utf8')).toContain('hostname: rack-a-03');

    expect(await net.run(net.hostsRunner)).toBe('completed');
    for (const h of await net.hostsRunner.hosts()) {
      expect(h.actions).toEqual([
        { id: 'hostname', status: 'done' },
        { id: 'etc-hosts', status: 'done' },
        { id: 'verify', status: 'done' },
      ]);
    }
    expect((await net.hostsRunner.findings()).filter((f) => f.code === 'network.names-ok')).toHaveLength(4);
    const stamps: string[] = [];
    for (const i of NODES) {
      expect((await lab.exec(i, 'hostname')).trim()).toBe(`rack-a-0${i}`);
      expect((await lab.exec(i, 'cat', '/etc/hostname')).trim()).toBe(`rack-a-0${i}`);
      const hosts = await lab.exec(i, 'cat', '/etc/hosts');
      for (const [k, a] of addr.entries()) expect(hosts).toContain(`${a} rack-a-0${k + 1}.rack-a.lab rack-a-0${k + 1}`);
      expect(hosts).toContain(`${addr[0]!.replace(/\.\d+$/, '.100')} cluster.rack-a.lab cluster`);
      for (const [k, a] of addr.entries()) expect((await lab.exec(i, 'getent', 'ahostsv4', `rack-a-0${k + 1}`)).split(/\s+/)[0]).toBe(a);
      stamps.push(await lab.exec(i, 'stat', '-c', '%Y %i %s', '/etc/hosts', '/etc/hostname'));
    }
    await screenshot(page, 'network-hostnames-applied');

    expect(await net.run(net.hostsRunner)).toBe('completed');
    for (const h of await net.hostsRunner.hosts()) {
      expect(h.actions).toEqual([
        { id: 'hostname', status: 'already-done' },
        { id: 'etc-hosts', status: 'already-done' },
        { id: 'verify', status: 'done' },
      ]);
    }
    for (const i of NODES) expect(await lab.exec(i, 'stat', '-c', '%Y %i %s', '/etc/hosts', '/etc/hostname')).toBe(stamps[i - 1]);
  });

  it('shows a 4x4 matrix all green; with 100 ms delay and 20 % loss on node3\'s link its row and column degrade with the right numbers', async () => {
    expect(await net.run(net.checkRunner)).toBe('completed');
    const green = await net.matrix(await net.lastRunId(net.checkRunner));
    expect(green).toHaveLength(12);
    for (const c of green) {
      expect(c, `${c.from}→${c.to}`).toMatchObject({ status: 'ok', lossPct: 0, mtuOk: 'true' });
      expect(c.rttMs).toBeLessThan(5);
    }
    await screenshot(page, 'network-matrix-green');
    await net.screenshotMatrix(join(ARTIFACTS, 'network-matrix-green-panel.png'));

    await lab.run('impair', '3', '--delay', '100ms', '--loss', '20%');
    try {
      expect(await net.run(net.checkRunner)).toBe('completed');
      const cells = await net.matrix(await net.lastRunId(net.checkRunner));
      const n3 = addr[2]!;
      const touching = cells.filter((c) => c.from === n3 || c.to === n3);
      const others = cells.filter((c) => c.from !== n3 && c.to !== n3);
      expect(touching).toHaveLength(6);
      for (const c of others) expect(c, `${c.from}→${c.to}`).toMatchObject({ status: 'ok', lossPct: 0 });
      for (const c of touching) {
        // Every round trip through node3's link crosses the 100 ms relay once.
        expect(c.status, `${c.from}→${c.to}`).toBe('blocking');
        expect(c.rttMs).toBeGreaterThanOrEqual(95);
        expect(c.rttMs).toBeLessThan(250);
        expect(c.text).toMatch(/\d+ ms/);
      }
      // 60 pings through a link dropping 20 %: the overall loss is near 20 % (binomial, 60 trials).
      const loss = touching.reduce((s, c) => s + c.lossPct, 0) / touching.length;
      expect(loss).toBeGreaterThan(5);
      expect(loss).toBeLessThan(45);
      const f3 = await net.hostFindings(n3);
      expect(f3.find((f) => f.code === 'network.latency')?.severity).toBe('blocking');
      expect(f3.map((f) => f.code)).toContain('network.loss');
      const f1 = await net.hostFindings(addr[0]!);
      expect(f1.find((f) => f.code === 'network.latency')?.text).toContain('node3');
      await screenshot(page, 'network-matrix-node3-degraded');
      await net.screenshotMatrix(join(ARTIFACTS, 'network-matrix-node3-degraded-panel.png'));
      console.log(`node3 degraded: ${touching.map((c) => `${c.from.split('.').pop()}→${c.to.split('.').pop()} ${c.rttMs} ms ${c.lossPct} %`).join(', ')}; mean loss ${loss.toFixed(1)} %`);
    } finally {
      await lab.run('impair', '3', '--clear');
    }
  });
});
