import type { HardwareFacts } from '../../../contract/index.js';

/**
 * Whether a host is a node of the training lab (scripts/lab), from the SMBIOS identity the lab
 * writes for it (scripts/lab/dmi-gen.py: vendor "LabVendor", product "LabServer …", serial
 * LAB0001X…). Anything else — another vendor, no SMBIOS data, no hardware run yet — is not
 * known to be a lab node: the lab profile's tiny thresholds would wave a real server through.
 */
export function isLabNode(f: HardwareFacts | undefined): boolean {
  const s = f?.system;
  if (!s) return false;
  return s.vendor === 'LabVendor' && /^LabServer\b/.test(s.model ?? '') && /^LAB\d{4}X$/.test(s.serial ?? '');
}

/** The SMBIOS identity as a technician reads it ("Dell Inc. PowerEdge R650 serial 7XK2M53"), or null when unknown. */
export function smbiosIdentity(f: HardwareFacts | undefined): string | null {
  const s = f?.system;
  if (!s) return null;
  return `${s.vendor ?? '?'} ${s.model ?? '?'} serial ${s.serial ?? '?'}`;
}
