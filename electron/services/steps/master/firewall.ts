import type { PortRule } from '../../../contract/index.js';

/**
 * The nftables rule set of one host: inbound traffic is dropped except what the host's role needs.
 * Pure, so what a host gets is unit-tested; the node applies it with a rollback timer
 * (scripts.ts, FIREWALL_APPLY). Only Rackside's own table is replaced (`table … delete table …`
 * first), so rules other software keeps in its own tables stay.
 */

export const FW_TABLE = 'rackside';

export interface FirewallInput {
  /** The port the laptop's SSH reaches this host on (inventory); 22 is always open too. */
  sshPort: number;
  /** Inbound ports of the host's role(s), base platform + profile + plan. */
  ports: readonly PortRule[];
  /** VRRP (IP protocol 112) accepted from these addresses: the other VIP candidates. */
  vrrpPeers: readonly string[];
}

const set = (xs: readonly (string | number)[]) => (xs.length === 1 ? String(xs[0]) : `{ ${xs.join(', ')} }`);

export function firewallRules(input: FirewallInput): string {
  const tcp = [...new Set(input.ports.filter((p) => p.protocol === 'tcp').map((p) => p.port))].sort((a, b) => a - b);
  const udp = [...new Set(input.ports.filter((p) => p.protocol === 'udp').map((p) => p.port))].sort((a, b) => a - b);
  const ssh = [...new Set([22, input.sshPort])].sort((a, b) => a - b);
  const lines = [
    '#!/usr/sbin/nft -f',
    '# Managed by Rackside (master install): inbound ports per role. Rewritten on every install run.',
    `table inet ${FW_TABLE}`,
    `delete table inet ${FW_TABLE}`,
    `table inet ${FW_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority 0; policy drop;',
    // SSH comes first and before anything that could drop it: the laptop must never be cut off.
    `    tcp dport ${set(ssh)} accept comment "ssh: never cut"`,
    '    ct state established,related accept',
    '    ct state invalid drop',
    '    iif "lo" accept',
    // Protocol numbers, not names: a minimal Debian has no /etc/protocols (netbase) to resolve them.
    '    meta l4proto { 1, 58 } accept comment "icmp, ipv6-icmp"',
  ];
  if (input.vrrpPeers.length > 0) lines.push(`    ip saddr ${set([...input.vrrpPeers])} ip protocol 112 accept comment "vrrp"`);
  if (tcp.length > 0) lines.push(`    tcp dport ${set(tcp)} accept`);
  if (udp.length > 0) lines.push(`    udp dport ${set(udp)} accept`);
  lines.push('  }', '}');
  return lines.join('\n') + '\n';
}

/**
 * Does a rule set keep new SSH connections on `port` open? True only when an accept for it comes
 * before any rule that could drop it: the generator's guarantee, checked again before a plan runs.
 */
export function keepsSsh(rules: string, port: number): boolean {
  for (const raw of rules.split('\n')) {
    const line = raw.trim();
    if (/^tcp dport /.test(line) && /\baccept\b/.test(line)) {
      const ports = line.replace(/^tcp dport /, '').replace(/\baccept\b.*$/, '').replace(/[{}]/g, '').split(',').map((s) => Number(s.trim()));
      if (ports.includes(port)) return true;
    }
    if (/\b(drop|reject)\b/.test(line) && !/policy drop;/.test(line) && !/ct state invalid drop/.test(line)) return false;
  }
  return false;
}
