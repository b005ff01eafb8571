/**
 * A size in bytes as a technician reads it: binary units (what lsblk, mdadm and LVM print),
 * whole numbers kept whole, one decimal otherwise. Units are not translated (GiB reads the same in 中文).
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const shown = Number.isInteger(v) || v >= 100 ? v.toFixed(0) : v.toFixed(1);
  return `${shown} ${units[i]}`;
}

/** Params for a translated text: sizes in bytes (`size`, `…Bytes`) become "256 MiB", the rest stay. */
export function withHumanSizes(params: Record<string, string | number> | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params ?? {})) out[k] = typeof v === 'number' && (k === 'size' || /Bytes$/.test(k)) ? formatBytes(v) : v;
  return out;
}
