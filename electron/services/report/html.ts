import { VERDICT_PHASES, type MatrixView, type NetworkPlan, type ReportModel, type ReportStep, type ReportVerdictItem } from '../../contract/index.js';
import { redactSecrets } from '../secrets/secret-store.js';
import { PHASE_EN, verdictItemEn } from './model.js';
import { REPORT_CSS } from './style.js';

const esc = (v: unknown): string =>
  String(v ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const dash = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : esc(v));
const gib = (b: number | null) => (b === null ? '—' : `${(b / 1024 ** 3).toFixed(1)} GiB`);
const size = (b: number) => (b >= 1e12 ? `${(b / 1e12).toFixed(1)} TB` : b >= 1e9 ? `${(b / 1e9).toFixed(0)} GB` : `${(b / 1e6).toFixed(0)} MB`);
const ms = (v: number | null) => (v === null ? '—' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v} ms`);
/** ISO timestamps as "2025-03-01 14:05:09 UTC": the same on every laptop, whatever its zone. */
const when = (iso: string | null) => (iso ? esc(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC')) : '—');

const VERDICT_TEXT: Record<ReportModel['verdict']['status'], string> = {
  ready: 'Ready',
  'ready-with-waivers': 'Ready with waivers',
  'not-ready': 'Not commissioned',
};
/**
 * The verdict in Simplified Chinese too: the customer who signs may read only that. The report's
 * other text is English; these few lines mirror renderer/src/i18n/zh-CN.json (report.verdicts and
 * report.verdictItems), which the backend cannot import.
 */
const VERDICT_ZH: Record<ReportModel['verdict']['status'], string> = {
  ready: '就绪',
  'ready-with-waivers': '就绪（含豁免）',
  'not-ready': '未完成调试',
};
const PHASES_ZH: Record<ReportStep['phase'], string> = {
  inventory: '项目与清单',
  hardware: '硬件检查',
  network: '网络拓扑',
  storage: '存储/RAID',
  master: '主节点安装',
  workers: '工作节点加入',
  verify: '验证',
  other: '其他步骤',
};
const itemZh = (i: ReportVerdictItem): string => {
  const name = i.stepId === null ? PHASES_ZH[i.phase] : `${PHASES_ZH[i.phase]}：${i.stepId}`;
  switch (i.code) {
    case 'no-hosts':
      return '清单中没有主机。';
    case 'not-run':
      return `${name} 尚未执行。`;
    case 'unfinished':
      return `${name}：最近一次执行未完成。`;
    case 'failed':
      return `${name}：最近一次执行失败。`;
    case 'blocking':
      return `${name}：${i.count} 项阻断性问题未豁免。`;
    case 'waived':
      return `${name}：仅凭豁免通过（${i.count} 项已豁免）。`;
  }
};
const PHASES = PHASE_EN;

/** The sign-off sentence: it states the verdict, never more than the verdict allows. */
const SIGN_OFF_TEXT: Record<ReportModel['verdict']['status'], { en: string; zh: string }> = {
  ready: {
    en: 'The undersigned confirm that the servers listed in this report were commissioned as described and are ready for use.',
    zh: '签字双方确认：本报告所列服务器已按所述完成调试，可以投入使用。',
  },
  'ready-with-waivers': {
    en: 'The undersigned confirm that the servers listed in this report were commissioned as described and are ready for use, subject to the waivers listed in this report.',
    zh: '签字双方确认：本报告所列服务器已按所述完成调试，在本报告所列豁免条件下可以投入使用。',
  },
  'not-ready': {
    en: 'The servers listed in this report have NOT been commissioned: the steps named under Verdict have not run or have not passed. The undersigned confirm only that the work recorded in this report was carried out.',
    zh: '本报告所列服务器尚未完成调试：“结论”中列出的步骤尚未执行或未通过。签字双方仅确认本报告记录的工作已实施。',
  },
};

/**
 * The report as one self-contained HTML page: inline CSS, no scripts, no external fonts or URLs
 * (its own CSP forbids loading anything), A4 with page breaks, and a running header on every
 * printed page. Chinese text renders through the system font stack (Noto Sans CJK SC first).
 * Everything comes from the model, which is already redacted; the page is redacted once more.
 */
export function renderHtml(r: ReportModel, secrets: readonly string[] = []): string {
  const hostName = (id: string | null) => {
    const h = r.inventory.find((x) => x.hostId === id);
    return h ? h.name || h.address : (id ?? 'all hosts');
  };
  const generated = when(r.generatedAt);
  const title = `Commissioning report — ${r.project.site || 'site'}`;

  const header = `<header class="page-header">
  <div class="ph-title">Rackside commissioning report</div>
  <table class="ph-fields"><tr>
    <td><span class="k">Site</span> <span class="v" data-field="site">${dash(r.project.site)}</span></td>
    <td><span class="k">Customer</span> <span class="v" data-field="customer">${dash(r.project.customer)}</span></td>
    <td><span class="k">Technician</span> <span class="v" data-field="technician">${dash(r.project.technician)}</span></td>
    <td><span class="k">Date</span> <span class="v">${generated}</span></td>
  </tr></table>
</header>`;

  const verdict = `<section class="verdict verdict-${r.verdict.status}" id="verdict">
  <h1>${esc(title)}</h1>
  <div class="verdict-box" data-verdict="${r.verdict.status}">
    <div class="verdict-label">Verdict</div>
    <div class="verdict-value">${VERDICT_TEXT[r.verdict.status]} <span lang="zh-CN">· ${VERDICT_ZH[r.verdict.status]}</span></div>
    ${
      r.verdict.items.length
        ? `<ul>${r.verdict.items
            .map((i) => `<li data-code="${esc(i.code)}" data-phase="${esc(i.phase)}" data-step="${esc(i.stepId ?? '')}">${esc(verdictItemEn(i, r.steps))}<br><span class="muted" lang="zh-CN">${esc(itemZh(i))}</span></li>`)
            .join('')}</ul>`
        : ''
    }
  </div>
  <table class="kv">
    <tr><th>Site</th><td>${dash(r.project.site)}</td></tr>
    <tr><th>Customer</th><td>${dash(r.project.customer)}</td></tr>
    <tr><th>Technician</th><td>${dash(r.project.technician)}</td></tr>
    <tr><th>Hosts</th><td>${r.inventory.length} (${r.inventory.filter((h) => h.role === 'master').length} master, ${r.inventory.filter((h) => h.role === 'worker').length} worker)</td></tr>
    <tr><th>Generated</th><td>${generated} by Rackside ${esc(r.generator.version)} · report format ${esc(r.schema)} v${r.version}</td></tr>
  </table>
  <h2>Steps</h2>
  <table class="grid"><thead><tr><th>Phase</th><th>Step</th><th>Status</th><th>Findings</th><th>Finished</th></tr></thead><tbody>
  ${r.steps
    .map(
      (s) => `<tr><td>${esc(PHASES[s.phase])}</td><td>${esc(s.titleEn)}</td>${stCell(s, 'td')}
      <td>${counts(s)}</td><td>${when(s.finishedAt)}</td></tr>`,
    )
    .join('')}
  ${VERDICT_PHASES
    .filter((p) => !r.steps.some((s) => s.phase === p))
    .map((p) => `<tr><td>${esc(PHASES[p])}</td><td class="muted">—</td><td class="st st-not-run">not run</td><td></td><td></td></tr>`)
    .join('')}
  </tbody></table>
</section>`;

  const inventory = `<section class="page" id="inventory">
  <h2>Inventory and hardware identity</h2>
  <table class="grid small"><thead><tr><th>Host</th><th>Role</th><th>Address</th><th>System</th><th>Serial</th><th>CPU</th><th>Memory</th><th>OS</th></tr></thead><tbody>
  ${r.inventory
    .map((h) => {
      const hw = h.hardware;
      return `<tr data-host-id="${esc(h.hostId)}"><td><b>${dash(h.name)}</b>${hw ? `<br><span class="muted">${esc(hw.hostname)}</span>` : ''}</td>
      <td>${esc(h.role)}</td><td class="mono">${esc(h.address)}:${h.port}<br><span class="muted">${esc(h.user)} · ${esc(h.auth)}</span></td>
      <td>${hw ? `${dash(hw.vendor)} ${dash(hw.model)}<br><span class="muted">BIOS ${dash(hw.biosVersion)}</span>` : '<span class="muted">not collected</span>'}</td>
      <td class="mono" data-field="serial">${hw ? `${dash(hw.serial)}${hw.boardSerial ? `<br><span class="muted">board ${esc(hw.boardSerial)}</span>` : ''}` : '—'}</td>
      <td>${hw?.cpu ? `${esc(hw.cpu.model)}<br><span class="muted">${hw.cpu.sockets} socket(s), ${hw.cpu.cores} cores, ${hw.cpu.threads} threads</span>` : '—'}</td>
      <td>${hw ? `${gib(hw.memoryBytes)}<br><span class="muted">ECC ${esc(hw.ecc)}, ${hw.dimms.length} DIMM(s)</span>` : '—'}</td>
      <td>${hw ? `${dash(hw.os)}<br><span class="muted">${dash(hw.kernel)}</span>` : '—'}</td></tr>`;
    })
    .join('')}
  </tbody></table>
  <h3>Disks, memory modules and NICs</h3>
  <table class="grid small"><thead><tr><th>Host</th><th>Component</th><th>Model</th><th>Serial</th><th>Size / speed</th><th>Health</th></tr></thead><tbody>
  ${r.inventory
    .flatMap((h) => {
      const hw = h.hardware;
      if (!hw) return [`<tr><td>${dash(h.name)}</td><td colspan="5" class="muted">not collected (the Hardware step has not run on this host)</td></tr>`];
      return [
        ...hw.disks.map((d) => `<tr><td>${dash(h.name)}</td><td>disk ${esc(d.name)} (${esc(d.type)}${d.rotational ? ', rotational' : ''})</td><td>${dash(d.model)}</td><td class="mono">${dash(d.serial)}</td><td>${size(d.sizeBytes)}</td><td>SMART ${esc(d.smart)}</td></tr>`),
        ...hw.dimms.map((d) => `<tr><td>${dash(h.name)}</td><td>DIMM ${esc(d.locator)}</td><td>${dash(d.partNumber)}</td><td class="mono">${dash(d.serial)}</td><td>${size(d.sizeBytes)}</td><td></td></tr>`),
        ...hw.nics.map((n) => `<tr><td>${dash(h.name)}</td><td>NIC ${esc(n.name)}</td><td>${dash(n.driver)}</td><td class="mono">${dash(n.mac)}</td><td>${n.speedMbps ? `${n.speedMbps} Mb/s` : '—'}</td><td></td></tr>`),
        ...hw.unknowns.map((u) => `<tr><td>${dash(h.name)}</td><td>${esc(u.field)}</td><td colspan="4" class="muted">not collected: ${esc(u.reason)}</td></tr>`),
      ];
    })
    .join('')}
  </tbody></table>
</section>`;

  const checks = `<section class="page" id="checks">
  <h2>Check results by step</h2>
  ${r.steps
    .map(
      (s) => `<div class="step" data-step="${esc(s.stepId)}"><h3>${esc(PHASES[s.phase])} — ${esc(s.titleEn)} ${stCell(s, 'span')}</h3>
      ${s.runId ? `<p class="muted">Run ${esc(s.runId)}, started ${when(s.startedAt)}, finished ${when(s.finishedAt)}</p>` : '<p class="muted">Not run.</p>'}
      ${
        s.findings.length
          ? `<table class="grid small"><thead><tr><th>Severity</th><th>Host</th><th>Check</th><th>Finding</th><th>Measured</th><th>Threshold</th><th>Waiver</th></tr></thead><tbody>
        ${s.findings
          .map(
            (f) => `<tr class="sev-${f.severity}${f.waiver ? ' waived' : ''}"><td class="sev">${esc(f.severity)}</td><td>${esc(hostName(f.hostId))}</td><td class="mono">${esc(f.code)}</td>
            <td>${esc(f.message)}${f.remediation ? `<br><span class="muted">${esc(f.remediation)}</span>` : ''}</td><td>${dash(f.measured)}</td><td>${dash(f.threshold)}</td>
            <td>${f.waiver ? `waived by ${esc(f.waiver.technician)}: ${esc(f.waiver.reason)}` : ''}${f.waiverLapsed ? `<span class="waiver-lapsed">waiver no longer applies (${esc(f.waiverLapsed.why)}): waived ${dash(f.waiverLapsed.waiver.measured)} against ${dash(f.waiverLapsed.waiver.threshold)} by ${esc(f.waiverLapsed.waiver.technician)}, now ${dash(f.measured)} against ${dash(f.threshold)}</span>` : ''}</td></tr>`,
          )
          .join('')}</tbody></table>`
          : s.runId
            ? '<p>No findings.</p>'
            : ''
      }</div>`,
    )
    .join('')}
  <h2>Waivers</h2>
  ${
    r.waivers.length
      ? `<table class="grid small" id="waivers"><thead><tr><th>Step</th><th>Check</th><th>Host</th><th>Who</th><th>Why</th><th>When</th><th>Applies to the last run</th></tr></thead><tbody>
    ${r.waivers.map((w) => `<tr><td>${esc(w.stepId)}</td><td class="mono">${esc(w.code)}</td><td>${esc(hostName(w.hostId))}</td><td>${esc(w.technician)}</td><td>${esc(w.reason)}</td><td>${when(w.at)}</td><td>${w.applied ? 'yes' : 'no'}</td></tr>`).join('')}
    </tbody></table>`
      : '<p>No waivers.</p>'
  }
  ${
    r.withdrawnWaivers?.length
      ? `<h3>Waivers withdrawn</h3><table class="grid small" id="waivers-withdrawn"><thead><tr><th>Step</th><th>Check</th><th>Host</th><th>Waived by</th><th>Withdrawn by</th><th>Why</th><th>When</th></tr></thead><tbody>
    ${r.withdrawnWaivers.map((w) => `<tr><td>${esc(w.stepId)}</td><td class="mono">${esc(w.code)}</td><td>${esc(hostName(w.hostId))}</td><td>${esc(w.waivedBy)}</td><td>${esc(w.technician)}</td><td>${esc(w.reason)}</td><td>${when(w.at)}</td></tr>`).join('')}
    </tbody></table>`
      : ''
  }
  ${hardwareProfileHtml(r, hostName)}
</section>`;

  const network = `<section class="page" id="network">
  <h2>Network — plan as built</h2>
  ${r.network.plan ? planHtml(r.network.plan, hostName) : '<p class="muted">No network plan was saved.</p>'}
  <h2>Connectivity matrix</h2>
  ${r.network.matrix ? matrixHtml(r.network.matrix) : '<p class="muted not-run" data-testid="matrix-not-run">Not run: the network check has not run.</p>'}
</section>`;

  const audit = `<section class="page" id="audit">
  <h2>Audit trail</h2>
  <p class="muted">Every action Rackside ran, in order: the command exactly as the host received it (secrets redacted), when it started, how long it took,
  its exit code, and the SHA-256 of its transcript (the file under logs/ in the support bundle).</p>
  <p class="journal-head" id="journal-head" data-lines="${r.journal.lines}" data-head="${esc(r.journal.head)}">Built on the project journal (journal.ndjson) at line ${r.journal.lines},
  whose SHA-256 — the head of the journal's hash chain${r.journal.chainedFrom === null ? ', which no line carries yet' : r.journal.chainedFrom > 1 ? `, which starts at line ${r.journal.chainedFrom}` : ''} — is
  <span class="hash">${esc(r.journal.head)}</span>. <span class="muted">Rackside's verify (the Verify button, or <span class="mono">npm run verify</span>) checks that the project folder still holds this line, unaltered, and each exported file against its recorded SHA-256.</span></p>
  <table class="grid audit"><thead><tr><th>#</th><th>Host</th><th>Step / action</th><th>Command</th><th>Started</th><th>Duration</th><th>Exit</th><th>Transcript SHA-256</th></tr></thead><tbody>
  ${r.auditTrail
    .map(
      (a) => `<tr data-seq="${a.seq}"><td>${a.seq}</td><td>${esc(a.hostName)}<br><span class="muted mono">${esc(a.address)}</span></td>
      <td>${esc(a.stepId)}<br><span class="mono">${esc(a.actionId)}${a.attempt > 1 ? ` #${a.attempt}` : ''}</span>${a.sudo ? '<br><span class="muted">sudo</span>' : ''}${a.destructive ? '<br><b>destructive</b>' : ''}</td>
      <td class="cmd">${esc(a.command.length > 280 ? `${a.command.slice(0, 280)} … (${a.command.length} characters; the JSON report has the full text)` : a.command)}</td>
      <td>${when(a.startedAt)}</td><td>${ms(a.durationMs)}</td><td>${a.exitCode === null ? esc(a.status) : a.exitCode}</td>
      <td class="hash">${dash(a.sha256)}${a.transcriptIntact === false ? '<br><b>transcript changed since it was recorded</b>' : ''}</td></tr>`,
    )
    .join('')}
  </tbody></table>
</section>`;

  const signOff = `<section class="page signoff" id="sign-off">
  <h2>Sign-off</h2>
  <p class="signoff-verdict" data-verdict="${r.verdict.status}">Verdict: <b>${VERDICT_TEXT[r.verdict.status]}</b>. ${SIGN_OFF_TEXT[r.verdict.status].en}<br>
  <span lang="zh-CN">结论：<b>${VERDICT_ZH[r.verdict.status]}</b>。${SIGN_OFF_TEXT[r.verdict.status].zh}</span></p>
  <table class="sign"><tbody>
    <tr><th>Technician</th><td class="name">${dash(r.signOff.technician)}</td></tr>
    <tr><th>Signature</th><td class="line"></td></tr>
    <tr><th>Customer representative</th><td class="name" data-field="customer-representative">${dash(r.signOff.customerRepresentative)}</td></tr>
    <tr><th>Signature</th><td class="line"></td></tr>
    <tr><th>Date</th><td class="name">${r.signOff.date ? esc(r.signOff.date) : ''}</td></tr>
  </tbody></table>
</section>`;

  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="Rackside ${esc(r.generator.version)}">
<title>${esc(title)}</title>
<style>${REPORT_CSS}${pageCss(r, generated)}</style></head>
<body>
${header}
<main>
${verdict}
${inventory}
${checks}
${network}
${audit}
${signOff}
</main>
</body></html>
`;
  return redactSecrets(html, secrets);
}

/** A CSS string literal: quotes and backslashes escaped, and "<" so no text can close the <style>. */
const cssString = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/</g, '\\3C ').replace(/[\r\n]+/g, ' ')}"`;

/** The running header and footer of every printed page, as @page margin boxes. */
function pageCss(r: ReportModel, generated: string): string {
  const box = `font-family: "Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; font-size: 8pt; color: #333; vertical-align: bottom; padding-bottom: 3mm;`;
  const left = `Rackside commissioning report · Site: ${r.project.site || '—'} · Customer: ${r.project.customer || '—'}`;
  const right = `Technician: ${r.project.technician || '—'} · ${generated.replace(/&[^;]+;/g, '')}`;
  return `
@page {
  @top-left { content: ${cssString(left)}; ${box} border-bottom: 0.5pt solid #999; }
  @top-right { content: ${cssString(right)}; ${box} border-bottom: 0.5pt solid #999; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-family: sans-serif; font-size: 8pt; color: #555; }
  @bottom-left { content: ${cssString(`${r.schema} v${r.version} · generated ${generated.replace(/&[^;]+;/g, '')}`)}; font-family: sans-serif; font-size: 7pt; color: #777; }
}`;
}

/** A step's status; "completed" is green only when the step passed (no blocking finding left open). */
function stCell(s: ReportStep, tag: 'td' | 'span'): string {
  const blocked = s.status === 'completed' && !s.passed;
  const cls = blocked ? 'st-blocked' : `st-${esc(s.status)}`;
  const text = blocked ? 'completed, blocking findings open' : `${esc(s.status)}${s.passed ? ' ✓' : ''}`;
  return `<${tag} class="st ${cls}" data-status="${esc(s.status)}" data-passed="${s.passed}">${text}</${tag}>`;
}

function counts(s: ReportStep): string {
  if (!s.runId) return '';
  const n = (sev: string) => s.findings.filter((f) => f.severity === sev).length;
  const waived = s.findings.filter((f) => f.waiver).length;
  return `${n('blocking')} blocking, ${n('warning')} warning, ${n('info')} info${waived ? `, ${waived} waived` : ''}`;
}

function planHtml(plan: NetworkPlan, hostName: (id: string) => string): string {
  const rows = plan.hosts.flatMap((h) =>
    h.interfaces.length === 0
      ? [`<tr><td>${esc(hostName(h.hostId))}</td><td>${dash(h.hostname)}</td><td colspan="5" class="muted">no interfaces planned</td></tr>`]
      : h.interfaces.map(
          (i, k) => `<tr><td>${k === 0 ? esc(hostName(h.hostId)) : ''}</td><td>${k === 0 ? dash(h.hostname) : ''}</td><td class="mono">${esc(i.name)}</td>
        <td>${esc(i.kind)}${i.kind === 'bond' ? ` ${dash(i.bondMode)} (${esc(i.members.join(', '))})` : ''}${i.kind === 'vlan' ? ` ${dash(i.vlanId)} on ${dash(i.parent)}` : ''}</td>
        <td class="mono">${i.address ? `${esc(i.address)}/${dash(i.prefix)}` : '—'}</td><td class="mono">${dash(i.gateway)}</td><td>${dash(i.mtu)}</td></tr>`,
        ),
  );
  return `<table class="kv">
    <tr><th>Domain</th><td>${dash(plan.domain)}</td></tr>
    <tr><th>VIP</th><td class="mono">${dash(plan.vip)}${plan.vipName ? ` (${esc(plan.vipName)})` : ''}</td></tr>
    <tr><th>DNS servers</th><td class="mono">${plan.dnsServers.length ? esc(plan.dnsServers.join(', ')) : '—'}</td></tr>
    <tr><th>Required ports</th><td class="mono">${plan.requiredPorts.length ? esc(plan.requiredPorts.join(', ')) : '—'}</td></tr>
  </table>
  <table class="grid small"><thead><tr><th>Host</th><th>Host name</th><th>Interface</th><th>Kind</th><th>Address</th><th>Gateway</th><th>MTU</th></tr></thead>
  <tbody>${rows.join('')}</tbody></table>`;
}

function matrixHtml(m: MatrixView): string {
  const cell = (from: string, to: string) => {
    if (from === to) return '<td class="self">—</td>';
    const c = m.cells.find((x) => x.from === from && x.to === to);
    if (!c) return '<td class="st-unknown">?</td>';
    const bits = [
      c.rttAvgMs !== undefined ? `${c.rttAvgMs.toFixed(2)} ms` : '',
      c.lossPct !== undefined ? `${c.lossPct}% loss` : '',
      c.mtuOk === undefined ? '' : c.mtuOk ? `MTU ok` : `MTU ${c.mtuPayload ?? ''} blocked`,
      ...Object.entries(c.ports).map(([p, s]) => `${esc(p)} ${esc(s)}`),
    ].filter(Boolean);
    return `<td class="cell cell-${c.status}"><b>${esc(c.status)}</b><br>${bits.map(esc).join('<br>')}${c.notes.length ? `<br><span class="muted">${esc(c.notes.join('; '))}</span>` : ''}</td>`;
  };
  const name = (id: string) => m.hosts.find((h) => h.hostId === id)?.name || id;
  return `<p class="muted">Run ${esc(m.runId)}${m.finishedAt ? `, finished ${when(m.finishedAt)}` : ''}. Rows: from; columns: to.</p>
  <table class="grid matrix"><thead><tr><th>from \\ to</th>${m.hosts.map((h) => `<th>${esc(h.name || h.hostId)}<br><span class="muted mono">${esc(h.address)}</span></th>`).join('')}</tr></thead>
  <tbody>${m.hosts.map((f) => `<tr><th>${esc(name(f.hostId))}</th>${m.hosts.map((t) => cell(f.hostId, t.hostId)).join('')}</tr>`).join('')}</tbody></table>
  ${
    m.clocks.length
      ? `<h3>Clocks</h3><table class="grid small"><thead><tr><th>Host</th><th>Offset</th><th>NTP</th></tr></thead><tbody>
    ${m.clocks.map((c) => `<tr><td>${esc(name(c.hostId))}</td><td>${c.offsetS === undefined ? '—' : `${c.offsetS.toFixed(3)} s`}</td><td>${esc(c.ntp)}</td></tr>`).join('')}</tbody></table>`
      : ''
  }`;
}

/** The hardware profile applied, any switch to a laxer one after blocking findings, and the lab profile's confirmation. */
function hardwareProfileHtml(r: ReportModel, hostName: (id: string | null) => string): string {
  const p = r.hardwareProfile;
  if (!p) return '';
  const switches = p.laxerSwitches
    .map((x) => `<li class="profile-switch">Profile switched from ${esc(x.from)} to ${esc(x.to)} after ${x.afterBlocking} blocking finding(s) (run ${esc(x.runId)}, ${when(x.at)}).</li>`)
    .join('');
  const lab = p.notLabNodes.length
    ? `<p class="profile-lab">The lab profile was applied to host(s) not identified as lab nodes: ${p.notLabNodes.map((h) => esc(hostName(h))).join(', ')}. ${
        p.labConfirmation
          ? `Confirmed by ${esc(p.labConfirmation.technician)} (${when(p.labConfirmation.at)}) for ${p.labConfirmation.hosts.map((h) => esc(hostName(h))).join(', ')}.`
          : 'Not confirmed.'
      }</p>`
    : p.labConfirmation
      ? `<p class="profile-lab">Lab profile confirmed by ${esc(p.labConfirmation.technician)} (${when(p.labConfirmation.at)}) for ${p.labConfirmation.hosts.map((h) => esc(hostName(h))).join(', ')}; the run identified every host as a lab node.</p>`
      : '';
  return `<h2>Hardware profile</h2>
  <p id="hardware-profile">Applied: <b>${esc(p.applied)}</b> (runs: ${p.runs.map((x) => `${esc(x.profile)}, ${x.blocking} blocking`).join('; ')}).</p>
  ${switches ? `<ul id="profile-switches">${switches}</ul>` : ''}
  ${lab}`;
}
