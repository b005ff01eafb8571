import { boundTextKey, VERDICT_PHASES, type MatrixView, type NetworkPlan, type ReportLabels, type ReportModel, type ReportStep, type ReportStorage, type ReportVerdictItem } from '../../contract/index.js';
import { redactSecrets } from '../secrets/secret-store.js';
import { titleEn } from './model.js';
import type { ReportLook } from './resources.js';
import { escapeHtml as esc, type ReportText, type TextParams } from './report-text.js';

const dash = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : esc(v));
const gib = (b: number | null) => (b === null ? '—' : `${(b / 1024 ** 3).toFixed(1)} GiB`);
const size = (b: number) => (b >= 1e12 ? `${(b / 1e12).toFixed(1)} TB` : b >= 1e9 ? `${(b / 1e9).toFixed(0)} GB` : `${(b / 1e6).toFixed(0)} MB`);
const ms = (v: number | null) => (v === null ? '—' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v} ms`);
/** ISO timestamps as "2025-03-01 14:05:09 UTC": the same on every laptop, whatever its zone. */
const whenText = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC') : '—');
const when = (iso: string | null) => esc(whenText(iso));
const raw = (html: string) => ({ html });

/** A step's title in the report's language; a step the locale does not know keeps its English title. */
function stepTitle(t: ReportText, stepId: string, steps: readonly Pick<ReportStep, 'stepId' | 'titleEn'>[]): string {
  if (t.has(`steps.${stepId}`)) return t.text(`steps.${stepId}`);
  return steps.find((s) => s.stepId === stepId)?.titleEn ?? titleEn(stepId);
}

/** One verdict item as a sentence in the report's language: "Hardware checks: Preflight (preflight) has not run." */
export function verdictItemText(t: ReportText, i: ReportVerdictItem, steps: readonly Pick<ReportStep, 'stepId' | 'titleEn'>[]): string {
  const phase = t.text(`phases.${i.phase}`);
  let step = phase;
  if (i.stepId !== null) {
    const title = stepTitle(t, i.stepId, steps);
    step = title === phase ? t.text('stepNameSame', { title, id: i.stepId }) : t.text('stepName', { phase, title, id: i.stepId });
  }
  return t.text(`verdictItems.${i.code}`, { step, count: i.count });
}

/** The JSON export's labels: the report's words in the chosen language, next to its codes. */
export function reportLabels(r: ReportModel, t: ReportText): ReportLabels {
  return {
    language: t.language,
    verdict: t.text(`verdict.${r.verdict.status}`),
    reasons: r.verdict.items.map((i) => verdictItemText(t, i, r.steps)),
    phases: Object.fromEntries(['inventory', ...VERDICT_PHASES, 'other'].map((p) => [p, t.text(`phases.${p}`)])),
    steps: Object.fromEntries(r.steps.map((s) => [s.stepId, stepTitle(t, s.stepId, r.steps)])),
    findings: Object.fromEntries(
      r.steps.map((s) => [
        s.stepId,
        Object.fromEntries(s.findings.map((f) => [f.key, { message: t.finding(f.code, 'message', f.params, f.message), remediation: t.finding(f.code, 'remediation', f.params, f.remediation) }])),
      ]),
    ),
    signOff: t.text(`signOff.${r.verdict.status}`),
  };
}

/**
 * The report as one self-contained HTML page in the look's language: the template and style of
 * resources/report (checked when loaded), inline CSS, no scripts, no external fonts or URLs (its
 * own CSP forbids loading anything), A4 with page breaks, and a running header on every printed
 * page. Chinese text renders through the system font stack (Noto Sans CJK SC first). Everything
 * comes from the model, which is already redacted; the page is redacted once more.
 */
export function renderHtml(r: ReportModel, look: ReportLook, secrets: readonly string[] = []): string {
  const t = look.text;
  const h = (key: string, params?: TextParams) => t.html(key, params);
  const hostName = (id: string | null) => {
    const x = r.inventory.find((y) => y.hostId === id);
    return x ? x.name || x.address : (id ?? t.text('allHosts'));
  };
  const generated = when(r.generatedAt);
  const title = t.text('title', { site: r.project.site || t.text('siteFallback') });
  const th = (...keys: string[]) => keys.map((k) => `<th>${h(`columns.${k}`)}</th>`).join('');
  const role = (x: string) => (t.has(`roles.${x}`) ? h(`roles.${x}`) : esc(x));
  const phaseName = (p: string) => h(`phases.${p}`);
  const titleOf = (s: ReportStep) => esc(stepTitle(t, s.stepId, r.steps));
  const verdictName = h(`verdict.${r.verdict.status}`);

  const header = `<header class="page-header">
  <div class="ph-title">${h('header.title')}</div>
  <table class="ph-fields"><tr>
    <td><span class="k">${h('header.site')}</span> <span class="v" data-field="site">${dash(r.project.site)}</span></td>
    <td><span class="k">${h('header.customer')}</span> <span class="v" data-field="customer">${dash(r.project.customer)}</span></td>
    <td><span class="k">${h('header.technician')}</span> <span class="v" data-field="technician">${dash(r.project.technician)}</span></td>
    <td><span class="k">${h('header.date')}</span> <span class="v">${generated}</span></td>
  </tr></table>
</header>`;

  const masters = r.inventory.filter((x) => x.role === 'master').length;
  const workers = r.inventory.filter((x) => x.role === 'worker').length;
  const verdict = `<section class="verdict verdict-${r.verdict.status}" id="verdict">
  <h1>${esc(title)}</h1>
  <div class="verdict-box" data-verdict="${r.verdict.status}">
    <div class="verdict-label">${h('verdict.label')}</div>
    <div class="verdict-value">${verdictName}</div>
    ${
      r.verdict.items.length
        ? `<ul>${r.verdict.items
            .map((i) => `<li data-code="${esc(i.code)}" data-phase="${esc(i.phase)}" data-step="${esc(i.stepId ?? '')}">${esc(verdictItemText(t, i, r.steps))}</li>`)
            .join('')}</ul>`
        : ''
    }
  </div>
  <table class="kv">
    <tr><th>${h('header.site')}</th><td>${dash(r.project.site)}</td></tr>
    <tr><th>${h('header.customer')}</th><td>${dash(r.project.customer)}</td></tr>
    <tr><th>${h('header.technician')}</th><td>${dash(r.project.technician)}</td></tr>
    <tr><th>${h('summary.hosts')}</th><td>${h('summary.hostsValue', { count: r.inventory.length, masters, workers })}</td></tr>
    <tr><th>${h('summary.generated')}</th><td>${h('summary.generatedValue', { date: raw(generated), version: r.generator.version, schema: r.schema, formatVersion: r.version })}</td></tr>
  </table>
  <h2>${h('headings.steps')}</h2>
  <table class="grid"><thead><tr>${th('phase', 'step', 'status', 'findings', 'finished')}</tr></thead><tbody>
  ${r.steps
    .map(
      (s) => `<tr><td>${phaseName(s.phase)}</td><td>${titleOf(s)}</td>${stCell(t, s, 'td')}
      <td>${counts(t, s)}</td><td>${when(s.finishedAt)}</td></tr>`,
    )
    .join('')}
  ${VERDICT_PHASES
    .filter((p) => !r.steps.some((s) => s.phase === p))
    .map((p) => `<tr><td>${phaseName(p)}</td><td class="muted">—</td><td class="st st-not-run">${h('status.not-run')}</td><td></td><td></td></tr>`)
    .join('')}
  </tbody></table>
</section>`;

  const inventory = `<section class="page" id="inventory">
  <h2>${h('headings.inventory')}</h2>
  <table class="grid small"><thead><tr>${th('host', 'role', 'address', 'system', 'serial', 'cpu', 'memory', 'os')}</tr></thead><tbody>
  ${r.inventory
    .map((x) => {
      const hw = x.hardware;
      return `<tr data-host-id="${esc(x.hostId)}"><td><b>${dash(x.name)}</b>${hw ? `<br><span class="muted">${esc(hw.hostname)}</span>` : ''}</td>
      <td>${role(x.role)}</td><td class="mono">${esc(x.address)}:${x.port}<br><span class="muted">${esc(x.user)} · ${esc(x.auth)}</span></td>
      <td>${hw ? `${dash(hw.vendor)} ${dash(hw.model)}<br><span class="muted">${h('hardware.bios', { version: raw(dash(hw.biosVersion)) })}</span>` : `<span class="muted">${h('hardware.notCollected')}</span>`}</td>
      <td class="mono" data-field="serial">${hw ? `${dash(hw.serial)}${hw.boardSerial ? `<br><span class="muted">${h('hardware.board', { serial: hw.boardSerial })}</span>` : ''}` : '—'}</td>
      <td>${hw?.cpu ? `${esc(hw.cpu.model)}<br><span class="muted">${h('hardware.cpu', { sockets: hw.cpu.sockets, cores: hw.cpu.cores, threads: hw.cpu.threads })}</span>` : '—'}</td>
      <td>${hw ? `${gib(hw.memoryBytes)}<br><span class="muted">${h('hardware.memory', { ecc: t.has(`yesNo.${hw.ecc}`) ? t.text(`yesNo.${hw.ecc}`) : hw.ecc === 'unknown' ? t.text('hardware.smartStatus.unknown') : hw.ecc, dimms: hw.dimms.length })}</span>` : '—'}</td>
      <td>${hw ? `${dash(hw.os)}<br><span class="muted">${dash(hw.kernel)}</span>` : '—'}</td></tr>`;
    })
    .join('')}
  </tbody></table>
  <h3>${h('headings.components')}</h3>
  <table class="grid small"><thead><tr>${th('host', 'component', 'model', 'serial', 'sizeSpeed', 'health')}</tr></thead><tbody>
  ${r.inventory
    .flatMap((x) => {
      const hw = x.hardware;
      if (!hw) return [`<tr><td>${dash(x.name)}</td><td colspan="5" class="muted">${h('hardware.notCollectedHost')}</td></tr>`];
      return [
        ...hw.disks.map((d) => `<tr><td>${dash(x.name)}</td><td>${h(d.rotational ? 'hardware.diskRotational' : 'hardware.disk', { name: d.name, type: d.type })}</td><td>${dash(d.model)}</td><td class="mono">${dash(d.serial)}</td><td>${size(d.sizeBytes)}</td><td>${h('hardware.smart', { status: t.text(`hardware.smartStatus.${d.smart}`) })}</td></tr>`),
        ...hw.dimms.map((d) => `<tr><td>${dash(x.name)}</td><td>${h('hardware.dimm', { locator: d.locator })}</td><td>${dash(d.partNumber)}</td><td class="mono">${dash(d.serial)}</td><td>${size(d.sizeBytes)}</td><td></td></tr>`),
        ...hw.nics.map((n) => `<tr><td>${dash(x.name)}</td><td>${h('hardware.nic', { name: n.name })}</td><td>${dash(n.driver)}</td><td class="mono">${dash(n.mac)}</td><td>${n.speedMbps ? `${n.speedMbps} Mb/s` : '—'}</td><td></td></tr>`),
        ...hw.unknowns.map((u) => `<tr><td>${dash(x.name)}</td><td>${esc(u.field)}</td><td colspan="4" class="muted">${h('hardware.notCollectedReason', { reason: u.code ? t.finding(`unknown.${u.field}`, 'reason', { ...u.params, field: u.field, reason: u.code }, u.reason) : u.reason })}</td></tr>`),
      ];
    })
    .join('')}
  </tbody></table>
</section>`;

  const checks = `<section class="page" id="checks">
  <h2>${h('headings.checks')}</h2>
  ${r.steps
    .map(
      (s) => `<div class="step" data-step="${esc(s.stepId)}"><h3>${phaseName(s.phase)} — ${titleOf(s)} ${stCell(t, s, 'span')}</h3>
      ${s.runId ? `<p class="muted">${h('checks.run', { runId: s.runId, started: raw(when(s.startedAt)), finished: raw(when(s.finishedAt)) })}</p>` : `<p class="muted">${h('checks.notRun')}</p>`}
      ${
        s.findings.length
          ? `<table class="grid small"><thead><tr>${th('severity', 'host', 'check', 'finding', 'measured', 'threshold', 'waiver')}</tr></thead><tbody>
        ${s.findings
          .map((f) => {
            const message = t.finding(f.code, 'message', f.params, f.message);
            const remediation = t.finding(f.code, 'remediation', f.params, f.remediation);
            const lapsed = f.waiverLapsed;
            return `<tr class="sev-${f.severity}${f.waiver ? ' waived' : ''}"><td class="sev">${h(`severity.${f.severity}`)}</td><td>${esc(hostName(f.hostId))}</td><td class="mono">${esc(f.code)}</td>
            <td>${esc(message)}${remediation ? `<br><span class="muted">${esc(remediation)}</span>` : ''}</td><td>${dash(f.measured)}</td><td>${dash(f.threshold)}</td>
            <td>${f.waiver ? h('checks.waivedBy', { technician: f.waiver.technician, reason: f.waiver.reason }) : ''}${
              lapsed
                ? `<span class="waiver-lapsed">${h('checks.waiverLapsed', {
                    why: t.text(`checks.lapsedWhy.${lapsed.why}`),
                    measured: raw(dash(lapsed.waiver.measured)),
                    threshold: raw(dash(lapsed.waiver.threshold)),
                    technician: lapsed.waiver.technician,
                    nowMeasured: raw(dash(f.measured)),
                    nowThreshold: raw(dash(f.threshold)),
                  })}</span>`
                : ''
            }</td></tr>`;
          })
          .join('')}</tbody></table>`
          : s.runId
            ? `<p>${h('checks.noFindings')}</p>`
            : ''
      }</div>`,
    )
    .join('')}
  <h2>${h('headings.waivers')}</h2>
  ${
    r.waivers.length
      ? `<table class="grid small" id="waivers"><thead><tr>${th('step', 'check', 'host', 'who', 'why', 'when', 'appliesToLastRun')}</tr></thead><tbody>
    ${r.waivers.map((w) => `<tr><td>${esc(w.stepId)}</td><td class="mono">${esc(w.code)}</td><td>${esc(hostName(w.hostId))}</td><td>${esc(w.technician)}</td><td>${esc(w.reason)}</td><td>${when(w.at)}</td><td>${h(w.applied ? 'yesNo.yes' : 'yesNo.no')}</td></tr>`).join('')}
    </tbody></table>`
      : `<p>${h('checks.noWaivers')}</p>`
  }
  ${
    r.withdrawnWaivers?.length
      ? `<h3>${h('headings.withdrawn')}</h3><table class="grid small" id="waivers-withdrawn"><thead><tr>${th('step', 'check', 'host', 'waivedBy', 'withdrawnBy', 'why', 'when')}</tr></thead><tbody>
    ${r.withdrawnWaivers.map((w) => `<tr><td>${esc(w.stepId)}</td><td class="mono">${esc(w.code)}</td><td>${esc(hostName(w.hostId))}</td><td>${esc(w.waivedBy)}</td><td>${esc(w.technician)}</td><td>${esc(w.reason)}</td><td>${when(w.at)}</td></tr>`).join('')}
    </tbody></table>`
      : ''
  }
  ${hardwareProfileHtml(t, r, hostName)}
</section>`;

  const network = `<section class="page" id="network">
  <h2>${h('headings.plan')}</h2>
  ${r.network.plan ? planHtml(t, r.network.plan, hostName) : `<p class="muted">${h('network.noPlan')}</p>`}
  <h2>${h('headings.matrix')}</h2>
  ${r.network.matrix ? matrixHtml(t, r.network.matrix) : `<p class="muted not-run" data-testid="matrix-not-run">${h('network.matrixNotRun')}</p>`}
</section>${r.platform ? platformHtml(t, r.platform, hostName, role) : ''}${r.cluster ? clusterHtml(t, r.cluster, hostName, role) : ''}${r.verification ? verificationHtml(t, r.verification, hostName) : ''}${r.drills ? drillsHtml(t, r.drills, hostName) : ''}`;

  const storage = `<section class="page" id="storage">
  <h2>${h('headings.storage')}</h2>
  ${storageHtml(t, r.storage, hostName)}
</section>`;

  const chain = r.journal.chainedFrom === null ? t.text('audit.chainNone') : r.journal.chainedFrom > 1 ? t.text('audit.chainFrom', { line: r.journal.chainedFrom }) : '';
  const audit = `<section class="page" id="audit">
  <h2>${h('headings.audit')}</h2>
  <p class="muted">${h('audit.intro')}</p>
  <p class="journal-head" id="journal-head" data-lines="${r.journal.lines}" data-head="${esc(r.journal.head)}">${h('audit.journal', { lines: r.journal.lines, chain })}
  <span class="hash">${esc(r.journal.head)}</span>. <span class="muted">${h('audit.verifyHint')}</span></p>
  <table class="grid audit"><thead><tr>${th('seq', 'host', 'stepAction', 'command', 'started', 'duration', 'exit', 'transcriptSha')}</tr></thead><tbody>
  ${r.auditTrail
    .map(
      (a) => `<tr data-seq="${a.seq}"><td>${a.seq}</td><td>${esc(a.hostName)}<br><span class="muted mono">${esc(a.address)}</span></td>
      <td>${esc(a.stepId)}<br><span class="mono">${esc(a.actionId)}${a.attempt > 1 ? ` #${a.attempt}` : ''}</span>${a.sudo ? '<br><span class="muted">sudo</span>' : ''}${a.destructive ? `<br><b>${h('audit.destructive')}</b>` : ''}</td>
      <td class="cmd">${a.command.length > 280 ? h('audit.truncated', { command: a.command.slice(0, 280), length: a.command.length }) : esc(a.command)}</td>
      <td>${when(a.startedAt)}</td><td>${ms(a.durationMs)}</td><td>${a.exitCode === null ? esc(a.status) : a.exitCode}</td>
      <td class="hash">${dash(a.sha256)}${a.transcriptIntact === false ? `<br><b>${h('audit.transcriptChanged')}</b>` : ''}</td></tr>`,
    )
    .join('')}
  </tbody></table>
</section>`;

  const signOff = `<section class="page signoff" id="sign-off">
  <h2>${h('headings.signOff')}</h2>
  <p class="signoff-verdict" data-verdict="${r.verdict.status}">${h('signOff.verdict', { verdict: raw(`<b>${verdictName}</b>`) })} ${h(`signOff.${r.verdict.status}`)}</p>
  <table class="sign"><tbody>
    <tr><th>${h('signOff.technician')}</th><td class="name">${dash(r.signOff.technician)}</td></tr>
    <tr><th>${h('signOff.signature')}</th><td class="line"></td></tr>
    <tr><th>${h('signOff.customerRepresentative')}</th><td class="name" data-field="customer-representative">${dash(r.signOff.customerRepresentative)}</td></tr>
    <tr><th>${h('signOff.signature')}</th><td class="line"></td></tr>
    <tr><th>${h('signOff.date')}</th><td class="name">${r.signOff.date ? esc(r.signOff.date) : ''}</td></tr>
  </tbody></table>
</section>`;

  const head = `<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="Rackside ${esc(r.generator.version)}">
<title>${esc(title)}</title>
<style>${look.css}${pageCss(t, r)}</style>`;
  const parts: Record<string, string> = { head, header, verdict, inventory, checks, network, storage, audit, signOff, lang: esc(look.language), title: esc(title) };
  // One pass: text filled into a section (a site named "{{audit}}") is never expanded again.
  const html = look.template.replace(/\{\{\s*([^}\s]*)\s*\}\}/g, (m, k: string) => parts[k] ?? m);
  return redactSecrets(html, secrets);
}

/** A CSS string literal: quotes and backslashes escaped, and "<" so no text can close the <style>. */
const cssString = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/</g, '\\3C ').replace(/[\r\n]+/g, ' ')}"`;

/** "Page {{page}} of {{pages}}" as CSS content: the literal parts quoted, the placeholders page counters. */
function counterContent(s: string): string {
  return s
    .split(/(\{\{\s*pages?\s*\}\})/)
    .filter((x) => x !== '')
    .map((x) => (/^\{\{\s*pages\s*\}\}$/.test(x) ? 'counter(pages)' : /^\{\{\s*page\s*\}\}$/.test(x) ? 'counter(page)' : cssString(x)))
    .join(' ');
}

/** The running header and footer of every printed page, as @page margin boxes. */
function pageCss(t: ReportText, r: ReportModel): string {
  const generated = whenText(r.generatedAt);
  const box = `font-family: "Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; font-size: 8pt; color: #333; vertical-align: bottom; padding-bottom: 3mm;`;
  const left = t.text('page.left', { site: r.project.site || '—', customer: r.project.customer || '—' });
  const right = t.text('page.right', { technician: r.project.technician || '—', date: generated });
  return `
@page {
  @top-left { content: ${cssString(left)}; ${box} border-bottom: 0.5pt solid #999; }
  @top-right { content: ${cssString(right)}; ${box} border-bottom: 0.5pt solid #999; }
  @bottom-right { content: ${counterContent(t.text('page.number'))}; font-family: "Noto Sans", "Noto Sans CJK SC", sans-serif; font-size: 8pt; color: #555; }
  @bottom-left { content: ${cssString(t.text('page.footer', { schema: r.schema, version: r.version, date: generated }))}; font-family: "Noto Sans", "Noto Sans CJK SC", sans-serif; font-size: 7pt; color: #777; }
}`;
}

/** A step's status; "completed" is green only when the step passed (no blocking finding left open). */
function stCell(t: ReportText, s: ReportStep, tag: 'td' | 'span'): string {
  const blocked = s.status === 'completed' && !s.passed;
  const cls = blocked ? 'st-blocked' : `st-${esc(s.status)}`;
  const text = blocked ? t.html('status.blocked') : `${t.html(`status.${s.status}`)}${s.passed ? ' ✓' : ''}`;
  return `<${tag} class="st ${cls}" data-status="${esc(s.status)}" data-passed="${s.passed}">${text}</${tag}>`;
}

function counts(t: ReportText, s: ReportStep): string {
  if (!s.runId) return '';
  const n = (sev: string) => s.findings.filter((f) => f.severity === sev).length;
  const waived = s.findings.filter((f) => f.waiver).length;
  const c = t.text('counts', { blocking: n('blocking'), warning: n('warning'), info: n('info') });
  return esc(waived ? t.text('countsWaived', { counts: c, waived }) : c);
}

/** The master install's as-built platform: VIP and candidates, monitoring, then per host its time sources, firewall ports and package versions. */
function platformHtml(t: ReportText, p: NonNullable<ReportModel['platform']>, hostName: (id: string) => string, role: (r: string) => string): string {
  const h = (k: string, params?: TextParams) => t.html(k, params);
  const row = (k: string, v: string) => `<tr><th>${h(k)}</th><td>${v}</td></tr>`;
  return `
<section class="page" id="platform" data-testid="platform">
  <h2>${h('headings.platform')}</h2>
  <table class="kv"><tbody>
    ${row('platform.profile', esc(p.profile))}
    ${row('platform.vip', p.vip ? `${esc(p.vip)} (VRRP ${p.routerId})` : h('platform.noVip'))}
    ${row('platform.candidates', esc(p.vipCandidates.map(hostName).join(', ') || '—'))}
    ${row('platform.monitoring', `${esc(hostName(p.prometheus.hostId))}: ${esc(p.prometheus.targets.join(', '))}`)}
    ${p.kit ? row('platform.kit', `<span class="mono" data-testid="platform-kit">${p.kit.map((k) => `${esc(hostName(k.hostId))}: ${esc(k.target)} sha256 ${esc(k.manifestSha256)}`).join('<br>') || esc(t.text('platform.kitNotRecorded'))}</span>`) : ''}
  </tbody></table>
  <table><thead><tr><th>${h('columns.host')}</th><th>${h('columns.role')}</th><th>${h('platform.timeSources')}</th><th>${h('platform.ports')}</th><th>${h('platform.packages')}</th></tr></thead><tbody>
  ${p.hosts.map((x) => `<tr><td>${esc(hostName(x.hostId))}</td><td>${role(x.role)}</td>
    <td class="mono">${x.timeSources.map((s) => `${esc(s.address)}${s.selected ? ' *' : ''}`).join('<br>') || '—'}</td>
    <td class="mono">${esc(['22/tcp', ...x.ports.map((q) => `${q.port}/${q.protocol}`)].filter((v, i, a) => a.indexOf(v) === i).join(', '))}</td>
    <td class="mono">${x.packages.map((k) => `${esc(k.name)} ${esc(k.version)}`).join('<br>') || '—'}</td></tr>`).join('')}
  </tbody></table>
</section>`;
}

/** The cluster as built (join step's last phase): profile, the join's state, members, then per host its services and package versions. */
function clusterHtml(t: ReportText, c: NonNullable<ReportModel['cluster']>, hostName: (id: string) => string, role: (r: string) => string): string {
  const h = (k: string, params?: TextParams) => t.html(k, params);
  const row = (k: string, v: string) => `<tr><th>${h(k)}</th><td>${v}</td></tr>`;
  const state = c.runId === null ? 'notRun' : !c.recorded ? 'notRecorded' : c.passed ? 'passed' : 'notPassed';
  const body =
    c.runId === null || !c.recorded
      ? ''
      : `
  <h3>${h('cluster.members')}</h3>
  ${c.members.length === 0 ? `<p class="muted">${h('cluster.noMembers')}</p>` : `<table class="grid small" data-testid="cluster-members"><thead><tr><th>${h('cluster.member')}</th><th>${h('columns.state')}</th></tr></thead><tbody>
  ${c.members.map((m) => `<tr><td>${esc(m.name)}</td><td>${esc(m.state)}</td></tr>`).join('')}
  </tbody></table>`}
  <table data-testid="cluster-hosts"><thead><tr><th>${h('columns.host')}</th><th>${h('columns.role')}</th><th>${h('cluster.services')}</th><th>${h('cluster.versions')}</th></tr></thead><tbody>
  ${c.hosts.map((x) => `<tr><td>${esc(hostName(x.hostId))}</td><td>${role(x.role)}</td>
    <td class="mono">${x.units.map((u) => `${esc(u.name)} ${esc(u.state)}`).join('<br>') || '—'}</td>
    <td class="mono">${x.packages.map((k) => `${esc(k.name)} ${k.version ? esc(k.version) : h('cluster.notInstalled')}`).join('<br>') || '—'}</td></tr>`).join('')}
  </tbody></table>`;
  return `
<section class="page" id="cluster" data-testid="cluster" data-state="${state}">
  <h2>${h('headings.cluster')}</h2>
  <table class="kv"><tbody>
    ${row('cluster.profile', esc(c.profile))}
    ${row('cluster.join', `<span class="${state === 'passed' ? '' : 'not-run'}">${h(`cluster.state.${state}`)}</span>`)}
  </tbody></table>${body}
</section>`;
}

/** Step 7: every check of the last verification run (measured, threshold, result, waiver) and the plan it was held to. */
function verificationHtml(t: ReportText, v: NonNullable<ReportModel['verification']>, hostName: (id: string | null) => string): string {
  const h = (k: string, params?: TextParams) => t.html(k, params);
  const row = (k: string, val: string) => `<tr><th>${h(k)}</th><td>${val}</td></tr>`;
  const state = v.runId === null ? 'notRun' : v.passed ? 'passed' : 'notPassed';
  const checks =
    v.runId === null
      ? ''
      : v.checks.length === 0
        ? `<p>${h('checks.noFindings')}</p>`
        : `<table class="grid small" data-testid="verification-checks"><thead><tr><th>${h('columns.check')}</th><th>${h('columns.host')}</th><th>${h('columns.measured')}</th><th>${h('columns.threshold')}</th><th>${h('verification.result')}</th><th>${h('columns.waiver')}</th></tr></thead><tbody>
  ${v.checks
    .map(
      (c) => `<tr data-testid="verification-check" data-code="${esc(c.code)}" data-result="${c.result}"><td>${esc(t.finding(c.code, 'message', c.params, c.message))}<br><span class="muted mono">${esc(c.code)}</span></td>
    <td>${c.hostId === null ? h('allHosts') : esc(hostName(c.hostId))}</td><td>${dash(c.measured)}</td><td>${dash(c.threshold)}</td>
    <td class="vr-${c.result}">${h(`verification.results.${c.result}`)}</td>
    <td>${c.waiver ? `${esc(c.waiver.technician)}: ${esc(c.waiver.reason)} (${when(c.waiver.at)})` : '—'}</td></tr>`,
    )
    .join('')}
  </tbody></table>`;
  return `
<section class="page" id="verification" data-testid="verification" data-state="${state}">
  <h2>${h('verification.heading')}</h2>
  <table class="kv"><tbody>
    ${row('verification.state', `<span class="${state === 'passed' ? '' : 'not-run'}">${h(`verification.states.${state}`)}</span>${v.finishedAt ? ` (${when(v.finishedAt)})` : ''}`)}
    ${row('verification.rto', esc(`${v.plan.rtoS} s`))}
    ${row('verification.clockOffset', esc(`${v.plan.maxClockOffsetMs} ms`))}
    ${row('verification.rebootHosts', esc(v.plan.rebootHosts.map(hostName).join(', ') || '—'))}
  </tbody></table>${checks}
</section>`;
}

/** A drill's bound as its terms with their values ("token 4300 ms + consensus 5160 ms + …"), in the report's language. */
function boundFormula(t: ReportText, b: NonNullable<NonNullable<ReportModel['drills']>[number]['bound']>): string {
  return t.text(`drills.formulas.${boundTextKey(b)}`, Object.fromEntries(Object.entries(b.params).map(([k, v]) => [k, ms(v)])));
}

/** Each failover drill: kind, target, the outcome, RTO beside the expected bound and the customer's RTO, rejoin, timeline, probe log hash. */
function drillsHtml(t: ReportText, drills: NonNullable<ReportModel['drills']>, hostName: (id: string | null) => string): string {
  const h = (k: string, params?: TextParams) => t.html(k, params);
  const yes = (v: boolean | null) => (v === null ? '—' : `<span class="${v ? 'vr-pass' : 'vr-fail'}">${h(v ? 'drills.within' : 'drills.exceeded')}</span>`);
  const body = drills.length === 0
    ? `<p class="muted" data-testid="drills-none">${h('drills.none')}</p>`
    : drills
        .map(
          (d) => `
  <div class="drill" data-testid="drill" data-drill-id="${esc(d.id)}" data-kind="${esc(d.kind)}" data-state="${esc(d.state)}">
  <h3>${h('drills.title', { kind: t.text(`drills.kinds.${d.kind}`), host: hostName(d.targetHostId) })} — ${h(`drills.states.${d.state}`)}</h3>
  <table class="kv"><tbody>
    <tr><th>${h('drills.started')}</th><td>${when(d.startedAt)} — ${when(d.endedAt)}, ${esc(d.technician)}</td></tr>
    <tr><th>${h('columns.vip')}</th><td class="mono">${esc(d.vip)} (ICMP, TCP ${d.tcpPort})</td></tr>
    <tr data-testid="drill-rto"><th>${h('drills.rto')}</th><td>${ms(d.figures.rtoMs)}; ${h('drills.bound', { bound: d.bound ? ms(d.bound.boundMs) : '—', formula: d.bound ? boundFormula(t, d.bound) : '—' })} ${yes(d.rtoWithinBound)}; ${h('drills.target', { target: ms(d.rtoTargetMs) })} ${yes(d.rtoWithinTarget)}</td></tr>
    <tr><th>${h('drills.figures')}</th><td>${h('drills.figureList', { outage: ms(d.figures.outageMs), detection: ms(d.figures.detectionMs), vipMoved: ms(d.figures.vipMovedMs), probes: d.figures.probesSent, failed: d.figures.probesFailed })}</td></tr>
    <tr data-testid="drill-rejoin"><th>${h(d.kind === 'reboot' ? 'drills.rejoinReboot' : 'drills.rejoin')}</th><td>${ms(d.figures.rejoinMs)}</td></tr>
    ${d.reasons.length ? `<tr><th>${h('drills.reasons')}</th><td>${d.reasons.map((x) => esc(t.text(`drills.reasonCodes.${x.code}`, { host: '—', hosts: '—', detail: '—', rtoMs: '—', targetMs: '—', kind: '—', s: '—', ...x.params }))).join('<br>')}</td></tr>` : ''}
    <tr><th>${h('drills.probeLog')}</th><td class="hash">${dash(d.probeLogSha256)}</td></tr>
  </tbody></table>
  <table class="grid small" data-testid="drill-timeline"><thead><tr><th>${h('drills.at')}</th><th>${h('drills.event')}</th><th>${h('columns.host')}</th></tr></thead><tbody>
  ${[...d.timeline].sort((a, b) => a.atMs - b.atMs).map((e) => `<tr><td class="mono">+${ms(e.atMs)}</td><td>${h(`drills.events.${e.event}`)}</td><td>${e.hostId ? esc(hostName(e.hostId)) : ''}</td></tr>`).join('')}
  </tbody></table>
  </div>`,
        )
        .join('');
  return `
<section class="page" id="drills" data-testid="drills">
  <h2>${h('drills.heading')}</h2>${body}
</section>`;
}

function planHtml(t: ReportText, plan: NetworkPlan, hostName: (id: string) => string): string {
  const rows = plan.hosts.flatMap((x) =>
    x.interfaces.length === 0
      ? [`<tr><td>${esc(hostName(x.hostId))}</td><td>${dash(x.hostname)}</td><td colspan="5" class="muted">${t.html('network.noInterfaces')}</td></tr>`]
      : x.interfaces.map(
          (i, k) => `<tr><td>${k === 0 ? esc(hostName(x.hostId)) : ''}</td><td>${k === 0 ? dash(x.hostname) : ''}</td><td class="mono">${esc(i.name)}</td>
        <td>${esc(i.kind)}${i.kind === 'bond' ? ` ${dash(i.bondMode)} (${esc(i.members.join(', '))})` : ''}${i.kind === 'vlan' ? ` ${t.html('network.vlanOn', { id: raw(dash(i.vlanId)), parent: raw(dash(i.parent)) })}` : ''}</td>
        <td class="mono">${i.address ? `${esc(i.address)}/${dash(i.prefix)}` : '—'}</td><td class="mono">${dash(i.gateway)}</td><td>${dash(i.mtu)}</td></tr>`,
        ),
  );
  const c = (k: string) => t.html(`columns.${k}`);
  return `<table class="kv">
    <tr><th>${c('domain')}</th><td>${dash(plan.domain)}</td></tr>
    <tr><th>${c('vip')}</th><td class="mono">${dash(plan.vip)}${plan.vipName ? ` (${esc(plan.vipName)})` : ''}</td></tr>
    <tr><th>${c('dnsServers')}</th><td class="mono">${plan.dnsServers.length ? esc(plan.dnsServers.join(', ')) : '—'}</td></tr>
    <tr><th>${c('requiredPorts')}</th><td class="mono">${plan.requiredPorts.length ? esc(plan.requiredPorts.join(', ')) : '—'}</td></tr>
  </table>
  <table class="grid small"><thead><tr>${['host', 'hostname', 'interface', 'kind', 'address', 'gateway', 'mtu'].map((k) => `<th>${c(k)}</th>`).join('')}</tr></thead>
  <tbody>${rows.join('')}</tbody></table>`;
}

/** A node's time sync in the report's language (its English `ntp` when the source is not known apart). */
function ntpText(t: ReportText, c: MatrixView['clocks'][number]): string {
  if (c.source === undefined || c.source === 'unknown') return t.text('network.ntpUnknown');
  if (c.source === 'none') return t.text('network.ntpNone');
  if (c.synced === undefined) return c.source;
  return t.text(c.synced ? 'network.ntpSynced' : 'network.ntpUnsynced', { source: c.source });
}

function matrixHtml(t: ReportText, m: MatrixView): string {
  const cell = (from: string, to: string) => {
    if (from === to) return '<td class="self">—</td>';
    const c = m.cells.find((x) => x.from === from && x.to === to);
    if (!c) return '<td class="st-unknown">?</td>';
    const bits = [
      c.rttAvgMs !== undefined ? `${c.rttAvgMs.toFixed(2)} ms` : '',
      c.lossPct !== undefined ? t.text('network.loss', { pct: c.lossPct }) : '',
      c.mtuOk === undefined ? '' : c.mtuOk ? t.text('network.mtuOk') : t.text('network.mtuBlocked', { payload: c.mtuPayload ?? '' }),
      ...Object.entries(c.ports).map(([p, s]) => `${p} ${t.text(`network.port.${s}`)}`),
    ].filter(Boolean);
    // Notes in the report's language from their codes; a matrix journaled before codes existed keeps its English.
    const notes = c.notes.map((n, i) => (c.noteTexts?.[i] ? t.text(`network.note.${c.noteTexts[i]!.code}`, c.noteTexts[i]!.params) : n));
    return `<td class="cell cell-${c.status}"><b>${t.html(`network.cellStatus.${c.status}`)}</b><br>${bits.map(esc).join('<br>')}${notes.length ? `<br><span class="muted">${esc(notes.join('; '))}</span>` : ''}</td>`;
  };
  const name = (id: string) => m.hosts.find((x) => x.hostId === id)?.name || id;
  return `<p class="muted">${m.finishedAt ? t.html('network.matrixRunFinished', { runId: m.runId, finished: raw(when(m.finishedAt)) }) : t.html('network.matrixRun', { runId: m.runId })}</p>
  <table class="grid matrix"><thead><tr><th>${t.html('columns.matrixCorner')}</th>${m.hosts.map((x) => `<th>${esc(x.name || x.hostId)}<br><span class="muted mono">${esc(x.address)}</span></th>`).join('')}</tr></thead>
  <tbody>${m.hosts.map((f) => `<tr><th>${esc(name(f.hostId))}</th>${m.hosts.map((x) => cell(f.hostId, x.hostId)).join('')}</tr>`).join('')}</tbody></table>
  ${
    m.clocks.length
      ? `<h3>${t.html('headings.clocks')}</h3><table class="grid small"><thead><tr><th>${t.html('columns.host')}</th><th>${t.html('columns.offset')}</th><th>${t.html('columns.ntp')}</th></tr></thead><tbody>
    ${m.clocks.map((c) => `<tr><td>${esc(name(c.hostId))}</td><td>${c.offsetS === undefined ? '—' : `${c.offsetS.toFixed(3)} s`}</td><td>${esc(ntpText(t, c))}</td></tr>`).join('')}</tbody></table>`
      : ''
  }`;
}

/**
 * The storage section: no plan; no local array planned (mode none) — said, not left blank; or per
 * planned host the array as the last storage run read it: device, level, members by serial (and
 * any planned serial missing), size, state, mount, and whether fstab and mdadm.conf carry it.
 */
function storageHtml(t: ReportText, s: ReportStorage | undefined, hostName: (id: string) => string): string {
  const plan = s?.plan ?? null;
  if (!s || !plan) return `<p class="muted" data-testid="storage-no-plan">${t.html('storage.noPlan')}</p>`;
  if (plan.mode === 'none') return `<p data-testid="storage-not-planned">${t.html('storage.notPlanned')}</p>`;
  const l = plan.layout;
  const summary = t.html('storage.plan', {
    level: l.level,
    device: `/dev/md/${l.arrayName}`,
    lvm: l.lvm ? t.text('storage.planLvm', { vg: l.lvm.vg }) : '',
    volumes: l.volumes.map((v) => t.text('storage.volume', { filesystem: v.filesystem, mountPoint: v.mountPoint })).join(', '),
  });
  if (s.hosts.length === 0) return `<p>${summary}</p><p class="muted">${t.html('storage.noHostsPlanned')}</p>`;
  const run = s.runId
    ? `<p class="muted">${t.html('storage.run', { runId: s.runId, finished: s.finishedAt ? t.text('storage.runFinished', { finished: whenText(s.finishedAt) }) : '' })}</p>`
    : `<p class="muted not-run" data-testid="storage-not-run">${t.html('storage.notRun')}</p>`;
  const c = (k: string) => t.html(`columns.${k}`);
  const rows = s.hosts.map((x) => {
    const a = x.array;
    if (!a) {
      return `<tr data-host-id="${esc(x.hostId)}"><td>${esc(hostName(x.hostId))}</td><td colspan="6" class="muted">${t.html('storage.notRead')}<br><span class="mono">${esc(x.plannedSerials.join(', '))}</span></td></tr>`;
    }
    const state = t.has(`storage.states.${a.state}`) ? t.html(`storage.states.${a.state}`) : esc(a.state);
    const sync = a.sync ? `<br>${t.html('storage.sync', { action: a.sync.action, percent: a.sync.percent })}` : '';
    const members = a.members.map((m) => `${esc(m.serial || m.device)} <span class="muted">(${esc(m.state)})</span>`).join('<br>');
    const missing = a.missing.length ? `<br><b class="sev-blocking">${t.html('storage.missing', { serials: a.missing.join(', ') })}</b>` : '';
    const persisted = `<br><span class="muted">${t.html(a.inFstab ? 'storage.inFstab' : 'storage.notInFstab')} · ${t.html(a.inMdadmConf ? 'storage.inMdadmConf' : 'storage.notInMdadmConf')}</span>`;
    return `<tr data-host-id="${esc(x.hostId)}" data-state="${esc(a.state)}"><td>${esc(hostName(x.hostId))}</td><td class="mono">${esc(a.device)}<br><span class="muted">${esc(a.uuid)}</span></td>
      <td>${esc(a.level)}</td><td class="mono">${members}${missing}</td><td>${a.sizeBytes > 0 ? size(a.sizeBytes) : '—'}</td><td class="st-${esc(a.state)}">${state}${sync}</td>
      <td class="mono">${a.mountPoint ? esc(a.mountPoint) : t.html('storage.notMounted')}${persisted}</td></tr>`;
  });
  return `<p>${summary}</p>${run}
  <table class="grid small" id="storage-arrays"><thead><tr>${['host', 'array', 'level', 'members', 'size', 'state', 'mount'].map((k) => `<th>${c(k)}</th>`).join('')}</tr></thead>
  <tbody>${rows.join('')}</tbody></table>`;
}

/** The hardware profile applied, any switch to a laxer one after blocking findings, and the lab profile's confirmation. */
function hardwareProfileHtml(t: ReportText, r: ReportModel, hostName: (id: string | null) => string): string {
  const p = r.hardwareProfile;
  if (!p) return '';
  const hosts = (ids: readonly string[]) => ids.map((x) => hostName(x)).join(', ');
  const switches = p.laxerSwitches
    .map((x) => `<li class="profile-switch">${t.html('profile.switch', { from: x.from, to: x.to, count: x.afterBlocking, runId: x.runId, at: raw(when(x.at)) })}</li>`)
    .join('');
  const conf = p.labConfirmation;
  const lab = p.notLabNodes.length
    ? `<p class="profile-lab">${t.html('profile.notLab', { hosts: hosts(p.notLabNodes) })} ${
        conf ? t.html('profile.confirmedFor', { technician: conf.technician, at: raw(when(conf.at)), hosts: hosts(conf.hosts) }) : t.html('profile.notConfirmed')
      }</p>`
    : conf
      ? `<p class="profile-lab">${t.html('profile.labConfirmed', { technician: conf.technician, at: raw(when(conf.at)), hosts: hosts(conf.hosts) })}</p>`
      : '';
  return `<h2>${t.html('headings.hardwareProfile')}</h2>
  <p id="hardware-profile">${t.html('profile.applied', { profile: raw(`<b>${esc(p.applied)}</b>`), runs: p.runs.map((x) => t.text('profile.run', { profile: x.profile, blocking: x.blocking })).join('; ') })}</p>
  ${switches ? `<ul id="profile-switches">${switches}</ul>` : ''}
  ${lab}`;
}
