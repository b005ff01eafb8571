import type { HardwareFacts } from '../../../contract/hardware.js';
import {
  dmidecodeProblem,
  memoryFromDmi,
  nicsFromIp,
  parseDmidecode,
  parseEdac,
  parseEthtool,
  parseEthtoolDriver,
  parseIpmiSdr,
  parseLsblk,
  parseLscpu,
  parseMemTotal,
  parseOsRelease,
  parseSmartctl,
  systemFromDmi,
} from './parsers.js';

/**
 * One fixed script per host (no user input in it): every tool's output in a named section with
 * its exit code, so one round trip collects everything and a missing tool is an exit code (127),
 * not a failed step.
 */
export const COLLECT_SCRIPT = String.raw`
export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
sec() { printf '\n@@rackside:%s@@\n' "$1"; }
rc() { printf '\n@@rackside-rc:%s@@\n' "$1"; }
run() { sec "$1"; shift; if command -v "$1" >/dev/null 2>&1; then "$@" 2>&1; rc $?; else rc 127; fi; }
run hostname hostname
run uname uname -r
run osrelease cat /etc/os-release
run lscpu lscpu -J
run lsblk lsblk -J -b -o NAME,PATH,SIZE,ROTA,MODEL,SERIAL,TRAN,TYPE,MOUNTPOINT
run meminfo cat /proc/meminfo
# Only the fields we read: a server with 24 DIMMs would otherwise print tens of kilobytes.
sec dmidecode
if command -v dmidecode >/dev/null 2>&1; then
  dmi=$(dmidecode -t 0,1,2,3,16,17 2>&1); dmi_rc=$?
  tab=$(printf '\t')
  printf '%s\n' "$dmi" | grep -E "^Handle |^[A-Z]|^\${tab}(Vendor|Version|Release Date|Manufacturer|Product Name|Serial Number|Use|Error Correction Type|Size|Locator|Type|Speed|Part Number):|denied|root"
  rc $dmi_rc
else rc 127; fi
run iplink ip -j link
run ipaddr ip -j addr
for nic in /sys/class/net/*; do
  if_name=\${nic##*/}; [ "$if_name" = lo ] && continue
  run "ethtool:$if_name" ethtool "$if_name"
  run "ethtool-i:$if_name" ethtool -i "$if_name"
  sec "sriov:$if_name"; cat "$nic/device/sriov_totalvfs" 2>/dev/null; rc $?
done
sec edac
if [ -d /sys/devices/system/edac/mc ]; then
  ce=0; ue=0
  for mc in /sys/devices/system/edac/mc/mc*; do
    [ -r "$mc/ce_count" ] || continue
    ce=$((ce + $(cat "$mc/ce_count"))); ue=$((ue + $(cat "$mc/ue_count")))
  done
  echo "$ce $ue"; rc 0
else rc 1; fi
if command -v smartctl >/dev/null 2>&1; then
  for d in $(lsblk -dn -o NAME,TYPE | awk '$2 == "disk" { print $1 }'); do run "smart:$d" smartctl -j -H -i "/dev/$d"; done
  sec smart; rc 0
else sec smart; rc 127; fi
run ipmi ipmitool sdr elist full
`.replace(/\\\$/g, '$');

export interface Section {
  text: string;
  exitCode: number;
}

/** Split the script's output into its sections. */
export function splitSections(out: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  const re = /@@rackside:([^@\n]+)@@\n([\s\S]*?)\n@@rackside-rc:(\d+)@@/g;
  for (const m of out.matchAll(re)) sections.set(m[1]!, { text: m[2]!, exitCode: Number(m[3]) });
  return sections;
}

export interface CollectOptions {
  /** Count loop devices as disks (the lab's disks are loop devices). */
  includeLoopDisks: boolean;
}

/** Turn the script's output into facts. Anything it could not see becomes an "unknown" with a fix. */
export function factsFromOutput(hostId: string, out: string, opts: CollectOptions, asRoot: boolean): HardwareFacts {
  const s = splitSections(out);
  const unknowns: HardwareFacts['unknowns'] = [];
  const ok = (name: string) => {
    const sec = s.get(name);
    return sec && sec.exitCode === 0 ? sec.text : null;
  };
  const missing = (field: string, tool: string, pkg: string) =>
    unknowns.push({ field, code: 'tool-missing', params: { tool, pkg }, reason: `${tool} is not installed`, remediation: `Install ${pkg} on the host (apt-get install ${pkg})` });

  let cpu: HardwareFacts['cpu'] = null;
  const lscpu = ok('lscpu');
  if (lscpu) cpu = parseLscpu(lscpu);
  if (!cpu) unknowns.push({ field: 'cpu', code: 'no-cpu-topology', reason: 'lscpu gave no CPU topology', remediation: 'Install util-linux (lscpu) on the host' });

  let disks: HardwareFacts['disks'] = [];
  const lsblk = ok('lsblk');
  if (lsblk) disks = parseLsblk(lsblk, opts.includeLoopDisks);
  else missing('disks', 'lsblk', 'util-linux');

  const dmiSec = s.get('dmidecode');
  const dmiProblem = dmiSec ? dmidecodeProblem(dmiSec.text, dmiSec.exitCode) : 'dmidecode did not run';
  const dmi = dmiSec && !dmiProblem ? parseDmidecode(dmiSec.text) : [];
  if (dmiProblem) {
    const needsRoot = /root/.test(dmiProblem) || !asRoot;
    unknowns.push({
      field: 'dmidecode',
      // The locale text follows the remediation the technician needs, not the exact tool message.
      ...(needsRoot
        ? { code: 'dmidecode-needs-root' }
        : /installed/.test(dmiProblem)
          ? { code: 'tool-missing', params: { tool: 'dmidecode', pkg: 'dmidecode' } }
          : /SMBIOS/.test(dmiProblem) ? { code: 'no-smbios' } : { code: 'dmidecode-failed', params: { exitCode: dmiSec?.exitCode ?? '-' } }),
      reason: dmiProblem,
      remediation: /root/.test(dmiProblem) || !asRoot
        ? 'Run the step as root or give the user sudo (the sudo password in the inventory)'
        : /installed/.test(dmiProblem) ? 'Install dmidecode on the host (apt-get install dmidecode)' : 'Check the BIOS/BMC exposes SMBIOS',
    });
  }
  const mem = memoryFromDmi(dmi);
  const edacSec = s.get('edac');

  const nics = ok('iplink') && ok('ipaddr') ? nicsFromIp(ok('iplink')!, ok('ipaddr')!) : [];
  if (!nics.length) unknowns.push({ field: 'nics', code: 'no-interfaces', reason: 'ip -j gave no interfaces', remediation: 'Install iproute2 on the host' });
  let ethtoolMissing = false;
  for (const nic of nics) {
    const e = s.get(`ethtool:${nic.name}`);
    if (e?.exitCode === 127) ethtoolMissing = true;
    if (e?.exitCode === 0) Object.assign(nic, parseEthtool(e.text));
    const d = ok(`ethtool-i:${nic.name}`);
    if (d) nic.driver = parseEthtoolDriver(d);
    const vf = ok(`sriov:${nic.name}`);
    if (vf && /^\d+$/.test(vf.trim())) nic.sriovTotalVfs = Number(vf.trim());
  }
  if (ethtoolMissing) missing('nic.speed', 'ethtool', 'ethtool');

  const smart = s.get('smart');
  if (smart?.exitCode === 127) {
    if (disks.some((d) => d.type === 'disk')) missing('smart', 'smartctl', 'smartmontools');
  } else {
    for (const d of disks) {
      const sec = s.get(`smart:${d.name}`);
      if (sec) d.smart = parseSmartctl(sec.text);
      if (sec && !d.smart) {
        unknowns.push({ field: `smart.${d.name}`, code: asRoot ? 'smart-unreadable' : 'smart-needs-root', params: { disk: d.path }, reason: `smartctl could not read ${d.path}`, remediation: asRoot ? 'Check the disk controller passes SMART through' : 'Run the step with sudo' });
      }
    }
  }

  const ipmi = s.get('ipmi');
  let bmc: HardwareFacts['bmc'] = null;
  if (ipmi?.exitCode === 127) missing('bmc', 'ipmitool', 'ipmitool');
  else if (ipmi?.exitCode === 0) bmc = parseIpmiSdr(ipmi.text);
  else unknowns.push({ field: 'bmc', code: 'no-bmc', reason: 'no BMC answered ipmitool (no /dev/ipmi0?)', remediation: 'Load the ipmi_si and ipmi_devintf modules, or check the BMC from its own network port' });

  return {
    hostId,
    collectedAt: new Date().toISOString(),
    hostname: ok('hostname')?.trim() ?? '',
    os: { prettyName: ok('osrelease') ? parseOsRelease(ok('osrelease')!) : null, kernel: ok('uname')?.trim() ?? null },
    system: systemFromDmi(dmi),
    cpu,
    memory: {
      totalBytes: ok('meminfo') ? parseMemTotal(ok('meminfo')!) : null,
      ecc: mem.ecc,
      eccType: mem.eccType,
      dimms: mem.dimms,
      edac: edacSec?.exitCode === 0 ? parseEdac(edacSec.text) : null,
    },
    disks,
    nics,
    bmc,
    unknowns,
  };
}
