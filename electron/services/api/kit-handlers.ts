import { existsSync } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { kitRequests } from '../../contract/channels/kit.js';
import {
  because, bmcSecretId, err, ok, validateHosts, validateInstallPlan,
  type KitCheck, type Project,
} from '../../contract/index.js';
import { buildKit, KIT_MANIFEST, manifestHash, type KitManifest, type KitNeed } from '../kit/build.js';
import { kitHostCoverage } from '../kit/hosts.js';
import { KitError } from '../kit/resolve.js';
import { verifyKit } from '../kit/verify.js';
import { readJournal } from '../project/journal.js';
import { openProject } from '../project/project-store.js';
import type { Action } from '../runbook/step-module.js';
import { loadReportLook } from '../report/resources.js';
import { workerJoinStep } from '../steps/join/step.js';
import { plannedPackages, readKitDir } from '../steps/master/kit-source.js';
import { profileIds } from '../steps/master/profile.js';
import { installPlanOf } from '../steps/master/step.js';
import { planOf } from '../steps/network/names.js';
import type { HandlersFor } from './dispatcher.js';
import type { HandlerContext } from './handlers.js';

/** Free space the laptop should keep beside the kit (the kit itself, a rebuild's downloads, the project's transcripts). */
export const KIT_FREE_BYTES_MIN = 1024 ** 3;

/**
 * Every package the project's plan installs (master install and worker joins), with what needs
 * it: planned as with a repository source, since the kit is what is being made.
 */
export function kitNeeds(project: Project): KitNeed[] {
  const asRepo: Project = { ...project, install: { ...(project.install ?? {}), packageSource: { kind: 'lab' } } } as Project;
  const out = new Map<string, Set<string>>();
  const add = (step: string, plan: Map<string, Action[]>) => {
    for (const [hostId, actions] of plan) {
      const name = project.hosts.find((h) => h.id === hostId)?.name || hostId;
      for (const p of plannedPackages(actions)) out.set(p, (out.get(p) ?? new Set()).add(`${step}: ${name}`));
    }
  };
  add('master install', installPlanOf(asRepo));
  add('worker join', workerJoinStep.plan(asRepo, { hosts: asRepo.hosts }));
  return [...out].sort(([a], [b]) => a.localeCompare(b)).map(([p, by]) => ({ package: p, neededBy: [...by].join(', ') }));
}

async function manifests(kitDir: string): Promise<{ target: string; manifest: KitManifest; sha: string }[]> {
  const out: { target: string; manifest: KitManifest; sha: string }[] = [];
  for (const t of readKitDir(kitDir).targets) {
    try {
      const manifest = JSON.parse(await readFile(join(kitDir, t.target, KIT_MANIFEST), 'utf8')) as KitManifest;
      out.push({ target: t.target, manifest, sha: t.manifestSha256 });
    } catch {
      // Gone since it was listed: kit.verify says what is wrong.
    }
  }
  return out;
}

const summary = (m: { target: string; manifest: KitManifest; sha: string }) => ({
  target: m.target, files: m.manifest.files.length, totalBytes: m.manifest.totalBytes, manifestSha256: m.sha, builtAt: m.manifest.builtAt, app: m.manifest.app,
});

/** The nearest folder that exists (the kit folder may not be made yet). */
function existing(dir: string): string {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

export function createKitHandlers(ctx: HandlerContext): HandlersFor<keyof typeof kitRequests> {
  const gnupgHome = join(ctx.dataDir, 'kit-gnupg');
  return {
    'kit.build': async ({ dir, kitDir, targets, sources, statusFile }) => {
      const opened = await openProject(dir);
      if (!opened.ok) return opened;
      const needs = kitNeeds(opened.value.project);
      const built: ReturnType<typeof summary>[] = [];
      for (const target of targets) {
        const name = `${target.release}-${target.arch}`;
        const started = Date.now();
        let last = 0;
        let reused = 0;
        try {
          const m = await buildKit({
            dir: kitDir, target, sources, status: statusFile, needs, gnupgHome, app: ctx.version,
            onProgress: (p) => {
              const now = Date.now();
              reused = p.reusedBytes;
              // A progress event at most every 200 ms (and every stage change): enough for a bar.
              if (p.stage === 'download' && p.doneBytes < p.totalBytes && now - last < 200) return;
              last = now;
              const rate = p.doneBytes / Math.max(1, (now - started) / 1000);
              const etaS = p.stage === 'download' && p.doneBytes > 0 && rate > 0 ? Math.round((p.totalBytes - p.doneBytes) / rate) : null;
              ctx.emit('kit.progress', { kitDir, target: name, stage: p.stage, doneBytes: p.doneBytes, totalBytes: p.totalBytes, reusedBytes: p.reusedBytes, etaS });
            },
          });
          built.push(summary({ target: name, manifest: m, sha: await manifestHash(kitDir, target) }));
          ctx.emit('kit.progress', { kitDir, target: name, stage: 'done', doneBytes: m.totalBytes - reused, totalBytes: m.totalBytes - reused, reusedBytes: reused, etaS: 0 });
        } catch (e) {
          const k = e instanceof KitError ? e : null;
          const detail = (e as Error).message;
          return because(err('validation-failed', `The kit for ${name} could not be built: ${detail}`, k?.params.package ? `Check that ${k.params.package} exists for ${name} in the office's source.` : 'Check the office package source, then build again.'),
            'kit-build-failed', { target: name, code: k?.code ?? 'failed', detail, package: k?.params.package ?? k?.params.dependency ?? '' });
        }
      }
      return ok({ targets: built });
    },

    'kit.verify': async ({ kitDir }) => {
      const out: { target: string; problems: Awaited<ReturnType<typeof verifyKit>> }[] = [];
      for (const t of readKitDir(kitDir).targets) {
        const [release, arch] = [t.target.slice(0, t.target.lastIndexOf('-')), t.target.slice(t.target.lastIndexOf('-') + 1)];
        out.push({ target: t.target, problems: await verifyKit(kitDir, { release: release!, arch: arch! }) });
      }
      return ok({ targets: out });
    },

    'kit.status': async ({ dir, kitDir }) => {
      const opened = await openProject(dir);
      if (!opened.ok) return opened;
      const project = opened.value.project;
      const kits = await manifests(kitDir);
      const checks: KitCheck[] = [];

      // The kit: every package of the plan in every target, for the hosts' targets when known.
      const needs = kitNeeds(project).map((n) => n.package);
      const short = kits.map((k) => ({ target: k.target, missing: needs.filter((p) => !k.manifest.needs.some((n) => n.package === p)) }));
      const firstShort = short.find((s) => s.missing.length > 0);
      checks.push({ id: 'kit-complete', ok: kits.length > 0 && !firstShort,
        params: { targets: kits.map((k) => k.target).join(', ') || '-', target: firstShort?.target ?? '', missing: firstShort?.missing.slice(0, 8).join(' ') ?? '', count: firstShort?.missing.length ?? 0 } });

      // Every host's own release and architecture, where the preflight step has read them.
      const journal = await readJournal(dir);
      const cover = kitHostCoverage(project, journal.ok ? journal.value : [], kits.map((k) => k.target));
      const firstOut = cover.uncovered[0];
      checks.push({ id: 'kit-hosts', ok: cover.uncovered.length === 0,
        params: { covered: cover.covered.length, unknown: cover.unknown.length, hosts: project.hosts.length, count: cover.uncovered.length,
          host: firstOut?.host ?? '', target: firstOut?.target ?? '', targets: [...new Set(cover.uncovered.map((u) => u.target))].join(', ') } });

      let bad: { target: string; file: string; why: string } | undefined;
      let problems = 0;
      for (const k of kits) {
        const [release, arch] = [k.target.slice(0, k.target.lastIndexOf('-')), k.target.slice(k.target.lastIndexOf('-') + 1)];
        const p = await verifyKit(kitDir, { release, arch });
        problems += p.length;
        if (p[0] && !bad) bad = { target: k.target, file: p[0].file, why: p[0].why };
      }
      checks.push({ id: 'kit-valid', ok: kits.length > 0 && problems === 0, params: { problems, file: bad?.file ?? '', why: bad?.why ?? '' } });

      const inv = validateHosts(project.hosts as unknown[]);
      checks.push({ id: 'inventory-valid', ok: project.hosts.length > 0 && inv.issues.length === 0, params: { hosts: project.hosts.length, issues: inv.issues.length, first: inv.issues[0]?.message ?? '' } });

      const missing: string[] = [];
      for (const h of project.hosts) {
        const label = h.name || h.address;
        if (h.auth.method === 'password' && !ctx.secrets.get(h.id, 'password')) missing.push(`${label} (password)`);
        if (h.auth.method === 'key' && !existsSync(h.auth.keyPath)) missing.push(`${label} (key ${h.auth.keyPath})`);
        if (h.bmc && !ctx.secrets.get(bmcSecretId(h.id), 'password')) missing.push(`${label} (BMC)`);
      }
      checks.push({ id: 'credentials', ok: missing.length === 0, params: { count: missing.length, first: missing.slice(0, 3).join(', ') } });

      const planErrors = validateInstallPlan(project.install ?? {}, project.hosts, planOf(project).vip, profileIds()).filter((i) => i.severity === 'error');
      checks.push({ id: 'profile-complete', ok: planErrors.length === 0,
        params: { profile: project.install?.profile ?? 'base', errors: planErrors.length, field: planErrors[0]?.field ?? '', first: planErrors[0]?.message ?? '' } });

      const looks = await Promise.all((['en', 'zh-CN'] as const).map(async (l) => ({ l, r: await loadReportLook(l) })));
      const badLook = looks.find((x) => !x.r.ok);
      checks.push({ id: 'report-resources', ok: !badLook, params: { language: badLook?.l ?? '', detail: badLook && !badLook.r.ok ? badLook.r.error.message : '' } });

      const fs = await statfs(existing(kitDir)).catch(() => null);
      const free = fs ? fs.bavail * fs.bsize : 0;
      checks.push({ id: 'disk-free', ok: free >= KIT_FREE_BYTES_MIN, params: { freeMb: Math.floor(free / 1024 ** 2), needMb: KIT_FREE_BYTES_MIN / 1024 ** 2 } });

      const otherApp = kits.find((k) => k.manifest.app !== ctx.version);
      checks.push({ id: 'app-version', ok: kits.length > 0 && !otherApp, params: { version: ctx.version, kit: otherApp?.manifest.app ?? kits[0]?.manifest.app ?? '', target: otherApp?.target ?? '' } });

      return ok({ checks, targets: kits.map(summary) });
    },
  };
}
