import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { causeChain, REASON_CODES, type AppError, type Host } from '../contract/index.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createDispatcher } from './api/dispatcher.js';
import { createHandlers } from './api/handlers.js';
import { createLogger } from './log/logger.js';
import { exportReport } from './report/export.js';
import { chromiumPrinter } from './report/pdf.js';
import { networkPlanSchema, type Project } from '../contract/index.js';
import { parseInventoryFile } from './inventory/import.js';
import { MemorySecretStore } from './secrets/secret-store.js';
import { testConnections } from './ssh/connection-test.js';
import { KnownHosts } from './ssh/known-hosts.js';

/**
 * Backend errors a technician meets carry a `reason` + params the renderer words from
 * `reasons.<reason>` in renderer/src/i18n/{en,zh-CN}.json. This checks both languages have every
 * reason the code can use, and that the errors of the inventory import carry one.
 */
const ROOT = join(import.meta.dirname, '..', '..');
type Tree = { [k: string]: string | Tree };
const locale = (lang: string) => (JSON.parse(readFileSync(join(ROOT, 'renderer', 'src', 'i18n', `${lang}.json`), 'utf8')) as { reasons: Tree }).reasons;
const LOCALES = { en: locale('en'), 'zh-CN': locale('zh-CN') };
const placeholders = (s: string) => [...s.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)].map((m) => m[1]!).sort();
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !/\.test\.ts$/.test(e.name) ? [join(dir, e.name)] : []);

/** The English and Chinese words of an error, as the screen would show them (params filled). */
function worded(e: AppError, lang: 'en' | 'zh-CN', part: 'message' | 'hint' = 'message'): string {
  const entry = LOCALES[lang][e.reason!] as Tree | undefined;
  const s = typeof entry?.[part] === 'string' ? entry[part] : '';
  // As the renderer's localizedError: the `cause` chain words `detail`, innermost first.
  const [outer, ...deeper] = causeChain(e.params?.cause);
  const params = outer ? { ...e.params, detail: worded({ ...e, reason: outer, params: { ...e.params, cause: deeper.join('>') } }, lang) } : e.params;
  return s.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (m, k: string) => String(params?.[k] ?? m));
}

describe('error reasons in both languages', () => {
  it('every reason code has a message in English and Chinese, the same hint keys, and no placeholder Chinese has that English lacks', () => {
    const problems: string[] = [];
    for (const r of REASON_CODES) {
      const en = LOCALES.en[r] as Tree | undefined;
      const zh = LOCALES['zh-CN'][r] as Tree | undefined;
      if (typeof en?.message !== 'string') problems.push(`en: reasons.${r}.message`);
      if (typeof zh?.message !== 'string') problems.push(`zh-CN: reasons.${r}.message`);
      if (en && zh && (typeof en.hint === 'string') !== (typeof zh.hint === 'string')) problems.push(`reasons.${r}.hint in one language only`);
      for (const part of ['message', 'hint'] as const) {
        if (typeof en?.[part] === 'string' && typeof zh?.[part] === 'string') {
          const extra = placeholders(zh[part]).filter((p) => !placeholders(en[part] as string).includes(p));
          if (extra.length) problems.push(`zh-CN: reasons.${r}.${part} uses ${extra.join(', ')}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every reason the backend and the renderer name in their sources is one of the typed codes', () => {
    const used = new Set<string>();
    for (const file of [...sources(join(ROOT, 'electron')), ...sources(join(ROOT, 'renderer', 'src'))]) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/because\((?:[^;]*?\)),\s*'([a-z0-9-]+)'|\.because\('([a-z0-9-]+)'|\breason: '([a-z0-9-]+)'/g)) used.add(m[1] ?? m[2] ?? m[3]!);
    }
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((r) => !(REASON_CODES as readonly string[]).includes(r))).toEqual([]);
  });

  it('a connection test that cannot log in for want of a password or a readable key says why with a reason (no network needed: nothing is sent)', async () => {
    const base = { port: 22, user: 'root', role: 'worker' as const, name: '' };
    // 192.0.2.0/24 is TEST-NET-1: never reached, the credentials are checked first.
    const hosts: Host[] = [
      { ...base, id: 'a', address: '192.0.2.1', auth: { method: 'password' } },
      { ...base, id: 'b', address: '192.0.2.2', auth: { method: 'key', keyPath: '/nonexistent/id_ed25519' } },
    ];
    const results = await testConnections(hosts, { knownHosts: new KnownHosts(await mkdtemp(join(tmpdir(), 'rs-reasons-'))), secrets: new MemorySecretStore() });
    expect(results.map((r) => [r.status, r.reason])).toEqual([['secret-missing', 'conn-no-password'], ['key-unreadable', 'conn-key-unreadable']]);
    for (const r of results) {
      const zh = worded({ code: 'internal', message: r.message, reason: r.reason, params: r.params }, 'zh-CN');
      expect(zh).toMatch(/[\u4e00-\u9fff]/);
      expect(zh).not.toMatch(/\{\{/);
    }
  });

  it('inventory import errors carry a reason whose Chinese text is filled from their params', () => {
    const cases = [
      parseInventoryFile('hosts.txt', 'x'),
      parseInventoryFile('hosts.csv', 'name,port\nn1,22\n'),
      parseInventoryFile('hosts.yaml', 'hosts: [\n'),
      parseInventoryFile('hosts.yaml', 'hosts:\n  - !!python/object x\n'),
      parseInventoryFile('hosts.yaml', 'nothing: here\n'),
      parseInventoryFile('hosts.yaml', 'hosts:\n  - just-a-string\n'),
      parseInventoryFile('hosts.csv', 'address,port\n198.18.0.1,notaport\n'),
    ];
    for (const r of cases) {
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error.reason, r.error.message).toBeDefined();
      const zh = worded(r.error, 'zh-CN');
      expect(zh, r.error.message).toMatch(/[\u4e00-\u9fff]/);
      expect(zh, r.error.message).not.toMatch(/\{\{/);
    }
  });

  /**
   * What the handlers answer the renderer when a request cannot be done: each error a technician
   * can meet carries a reason whose Chinese message (and hint, when there is one) is filled from
   * its params, and its rows carry codes the renderer words (network.issue.<code>), so no English
   * sentence of the backend reaches a Chinese screen.
   */
  describe('handler errors the renderer shows', () => {
    const setUp = async () => {
      const dir = await mkdtemp(join(tmpdir(), 'rs-reasons-h-'));
      const log = createLogger(() => {});
      const handlers = createHandlers({ transport: 'browser', version: 't', dataDir: join(dir, 'data'), secrets: new MemorySecretStore(), emit: () => {}, log });
      const dispatch = createDispatcher(handlers, log) as (channel: string, req: unknown) => Promise<{ ok: boolean; error?: AppError }>;
      const host = (id: string, address: string, role: 'master' | 'worker') => ({ id, name: id, address, port: 22, user: 'root', role, auth: { method: 'password' as const } });
      const project: Project = { version: 1, site: 'Lab', customer: '', technician: '', hosts: [host('n1', '198.18.0.11', 'master'), host('n2', '198.18.0.12', 'worker')] };
      const saved = await dispatch('project.save', { dir, project, revision: 0 });
      expect(saved.ok, JSON.stringify(saved.error)).toBe(true);
      return { dir, dispatch };
    };
    const refusal = async (r: Promise<{ ok: boolean; error?: AppError }>) => {
      const got = await r;
      expect(got.ok).toBe(false);
      return got.error!;
    };
    const expectChinese = (e: AppError) => {
      expect(e.reason, e.message).toBeDefined();
      const zh = worded(e, 'zh-CN');
      expect(zh, e.message).toMatch(/[\u4e00-\u9fff]/);
      expect(zh, e.message).not.toMatch(/\{\{/);
      // No English sentence left in it (three words in a row), names and addresses aside.
      expect(zh, e.message).not.toMatch(/[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}/);
      if (e.hint !== undefined) expect(worded(e, 'zh-CN', 'hint'), `hint of ${e.reason}`).toMatch(/[\u4e00-\u9fff]/);
      return zh;
    };

    it('network: a plan with a bad address is refused with coded rows; addressing for an unknown or unplanned host', async () => {
      const { dir, dispatch } = await setUp();
      const plan = networkPlanSchema.parse({ hosts: [{ hostId: 'n1', hostname: 'n1', interfaces: [{ name: 'eth0', address: '10.0.0.999', prefix: 24 }] }] });
      const bad = await refusal(dispatch('network.savePlan', { dir, plan }));
      expectChinese(bad);
      expect(bad.issues?.length).toBeGreaterThan(0);
      const network = (JSON.parse(readFileSync(join(ROOT, 'renderer', 'src', 'i18n', 'zh-CN.json'), 'utf8')) as { network: { issue: Record<string, string> } }).network.issue;
      for (const i of bad.issues ?? []) {
        expect(i.code, i.message).toMatch(/^network\./);
        expect(network[i.code!.slice('network.'.length)], i.code).toBeDefined();
      }
      expectChinese(await refusal(dispatch('network.addressingPreview', { dir, hostId: 'nope' })));
      expectChinese(await refusal(dispatch('network.addressingPreview', { dir, hostId: 'n2' })));
    });
  
    it('terminals: a shell to a closed port, without a password, behind a dead jump host, with an unusable key; a closed session', async () => {
      const { dispatch } = await setUp();
      // 127.0.0.1:1 refuses at once: no lab needed, and nothing is sent.
      const host = { id: 't1', name: 't1', address: '127.0.0.1', port: 1, user: 'root', role: 'worker', auth: { method: 'password' } };
      const open = (h: object, extra: object = {}) => dispatch('terminal.open', { target: { kind: 'ssh', host: h, ...extra }, cols: 80, rows: 24 });
      expect((await refusal(open(host))).reason).toBe('term-shell-no-secret');
      await dispatch('secrets.set', { hostId: 't1', kind: 'password', value: 'x' });
      const refused = await refusal(open(host));
      expect(refused.params?.cause).toBe('conn-refused');
      expect(expectChinese(refused)).toContain('连接被拒绝');
      const jumped = await refusal(open({ ...host, port: 22, jump: { address: '127.0.0.1', port: 1, user: 'root', auth: { method: 'password' } } }));
      expect(jumped.params?.cause, jumped.message).toMatch(/^conn-/);
      expectChinese(jumped);
      const keyFile = join(await mkdtemp(join(tmpdir(), 'rs-key-')), 'id');
      writeFileSync(keyFile, 'not a key\n');
      const badKey = await refusal(open({ ...host, id: 't2', auth: { method: 'key', keyPath: keyFile } }));
      expect(badKey.params?.cause).toBe('conn-key-format');
      expectChinese(badKey);
      expectChinese(await refusal(dispatch('terminal.resize', { sessionId: 'gone', cols: 80, rows: 24 })));
    });
  
    it('step 1: pickers the browser host lacks, a fingerprint never offered, a key not marked changed', async () => {
      const { dispatch } = await setUp();
      expectChinese(await refusal(dispatch('inventory.pickFile', {})));
      expectChinese(await refusal(dispatch('project.pickFolder', { purpose: 'open' })));
      expectChinese(await refusal(dispatch('hostkeys.trust', { address: '127.0.0.1', port: 1, fingerprint: 'SHA256:' + 'A'.repeat(43) })));
      expectChinese(await refusal(dispatch('hostkeys.replace', { address: '127.0.0.1', port: 1, fingerprint: 'SHA256:' + 'A'.repeat(43) })));
    });
  
    it('report: verify against a folder without a report, a path that does not exist, a file that is not a manifest; a PDF without Chromium', async () => {
      const { dir, dispatch } = await setUp();
      expectChinese(await refusal(dispatch('report.verify', { dir })));
      expectChinese(await refusal(dispatch('report.verify', { dir, report: join(dir, 'nowhere') })));
      expectChinese(await refusal(dispatch('report.verify', { dir, report: dir })));
      const fake = join(dir, 'commissioning-x.manifest.json');
      writeFileSync(fake, '{"not":"a manifest"}\n');
      expectChinese(await refusal(dispatch('report.verify', { dir, report: fake })));
      const noChromium = await exportReport(dir, { technician: 'T', customerRepresentative: 'C', date: '' }, ['pdf'], {
        appVersion: 't', secrets: () => [], printToPdf: chromiumPrinter(join(dir, 'no-chromium')),
      });
      expect(noChromium.ok).toBe(false);
      if (!noChromium.ok) expectChinese(noChromium.error);
    });
  
    it('runner: cancel a run that is not running, skip an action, waive a finding or withdraw a waiver that are not there', async () => {
      const { dir, dispatch } = await setUp();
      const who = { reason: 'checked on site', technician: 'Li Wei' };
      expectChinese(await refusal(dispatch('runbook.cancel', { runId: 'nope' })));
      expectChinese(await refusal(dispatch('runbook.skip', { dir, stepId: 'hardware', hostId: 'n1', actionId: 'cpu', ...who })));
      expectChinese(await refusal(dispatch('runbook.waive', { dir, stepId: 'hardware', key: 'n1.cpu', ...who })));
      expectChinese(await refusal(dispatch('runbook.withdrawWaiver', { dir, stepId: 'hardware', key: 'n1.cpu', ...who })));
    });
  
    it('project: open a folder without project.yaml, a file of a newer version, one with YAML broken or a bad field; save without a folder or a master', async () => {
      const { dir, dispatch } = await setUp();
      const empty = await mkdtemp(join(tmpdir(), 'rs-reasons-p-'));
      expectChinese(await refusal(dispatch('project.open', { dir: empty })));
      const file = join(empty, 'project.yaml');
      for (const text of ['version: 9\nhosts: []\n', 'hosts: [\n', 'version: 1\nhosts:\n  - id: a\n    address: 10.0.0.1\n    port: "x"\n', 'version: 1\nrevision: -1\nhosts: []\n']) {
        writeFileSync(file, text);
        expectChinese(await refusal(dispatch('project.open', { dir: empty })));
      }
      const worker = { id: 'w', name: 'w', address: '10.0.0.1', port: 22, user: 'root', role: 'worker', auth: { method: 'password' } };
      expectChinese(await refusal(dispatch('project.save', { dir, project: { version: 1, site: '', customer: '', technician: '', hosts: [worker] }, revision: 1 })));
      expectChinese(await refusal(dispatch('project.save', { dir: ' ', project: { version: 1, site: '', customer: '', technician: '', hosts: [] }, revision: 0 })));
    });
  
    it('dispatcher and journal: an unknown channel, a request the contract refuses, a journal line edited by hand', async () => {
      const { dir, dispatch } = await setUp();
      expectChinese(await refusal(dispatch('no.such.channel', {})));
      expect((await refusal(dispatch('terminal.resize', { sessionId: 'x', cols: -1, rows: 24 }))).reason).toBe('request-invalid');
      writeFileSync(join(dir, 'journal.ndjson'), 'not json\n\n');
      const damaged = await refusal(dispatch('runbook.state', { dir }));
      expectChinese(damaged);
      expect(damaged.issues?.map((i) => i.code)).toEqual(['journal-not-json']);
    });
  });
});
