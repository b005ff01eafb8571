import { installPlanSchema, type InstallPlan, type InstallPlanInput, type PortRule } from '../../../../electron/contract/index.js';

/**
 * The install plan as the form edits it: text fields, parsed into the contract's plan on every
 * keystroke, so the contract's own validation (validateInstallPlan) judges what is typed.
 */
export interface InstallDraft {
  profile: string;
  sourceKind: 'lab' | 'mirror';
  mirrorUrl: string;
  mirrorSuite: string;
  /** Comma or space separated. */
  timeServers: string;
  /** Host ids, in priority order; empty: the masters. */
  candidates: string[];
  routerId: string;
  servicePort: string;
  rollbackAfterS: string;
  firewallEnabled: boolean;
  /** One `key = value` a line. */
  sysctl: string;
  /** `9100, 123/udp` */
  masterPorts: string;
  workerPorts: string;
}

const list = (s: string) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
/** A number field: an integer when it is one, else NaN so validation reports it (not a silent default). */
const int = (s: string) => (/^-?\d+$/.test(s.trim()) ? Number(s.trim()) : Number.NaN);

export function portsText(ports: readonly PortRule[]): string {
  return ports.map((p) => (p.protocol === 'tcp' ? String(p.port) : `${p.port}/${p.protocol}`)).join(', ');
}

function parsePorts(s: string): PortRule[] {
  return list(s).map((x) => {
    const [port, proto] = x.split('/');
    return { port: int(port ?? ''), protocol: proto === 'udp' ? 'udp' : 'tcp' };
  });
}

export function draftFromPlan(input: InstallPlanInput | undefined): InstallDraft {
  const plan: InstallPlan = installPlanSchema.parse(input ?? {});
  const src = plan.packageSource;
  return {
    profile: plan.profile,
    sourceKind: src.kind,
    mirrorUrl: src.kind === 'mirror' ? src.url : '',
    mirrorSuite: src.kind === 'mirror' ? src.suite : 'bookworm',
    timeServers: plan.timeServers.join(', '),
    candidates: [...plan.vrrp.candidates],
    routerId: String(plan.vrrp.routerId),
    servicePort: plan.servicePort === undefined ? '' : String(plan.servicePort),
    rollbackAfterS: String(plan.firewall.rollbackAfterS),
    firewallEnabled: plan.firewall.enabled,
    sysctl: Object.entries(plan.sysctl).map(([k, v]) => `${k} = ${v}`).join('\n'),
    masterPorts: portsText(plan.ports.master),
    workerPorts: portsText(plan.ports.worker),
  };
}

/** The plan the draft says (not yet validated: feed it to validateInstallPlan). */
export function planFromDraft(d: InstallDraft): InstallPlanInput {
  const sysctl: Record<string, string> = {};
  for (const line of d.sysctl.split('\n')) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    // A line without "=" is kept as a key with an empty value, so validation names it.
    if (eq < 0) sysctl[line.trim()] = '';
    else sysctl[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return {
    profile: d.profile,
    packageSource: d.sourceKind === 'lab' ? { kind: 'lab' } : { kind: 'mirror', url: d.mirrorUrl.trim(), suite: d.mirrorSuite.trim() || 'bookworm' },
    timeServers: list(d.timeServers),
    vrrp: { candidates: d.candidates, routerId: int(d.routerId) },
    ...(d.servicePort.trim() ? { servicePort: int(d.servicePort) } : {}),
    sysctl,
    ports: { master: parsePorts(d.masterPorts), worker: parsePorts(d.workerPorts) },
    firewall: { enabled: d.firewallEnabled, rollbackAfterS: int(d.rollbackAfterS) },
  };
}
