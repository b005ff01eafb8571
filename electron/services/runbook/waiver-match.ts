import type { FindingCompare, LapsedWaiver, Waiver } from '../../contract/index.js';

interface Waivable {
  measured?: string | number | undefined;
  threshold?: string | number | undefined;
  compare?: FindingCompare | undefined;
}

/**
 * Whether a waiver still covers a finding of a later run. A waiver is for the value and threshold
 * it was given for: a worse value or a stricter threshold is a new decision nobody has made, so
 * the finding is open again; an equal or better value keeps it.
 */
export function waiverLapse(w: Waiver, f: Waivable): LapsedWaiver['why'] | null {
  const recorded = w.compare !== undefined || w.measured !== undefined || w.threshold !== undefined;
  // Waivers journaled before they were bound to a value: nothing to compare with.
  if (!recorded) return null;
  if (w.compare && f.compare && w.compare.better === f.compare.better) {
    const higher = f.compare.better === 'higher';
    if (higher ? f.compare.measured < w.compare.measured : f.compare.measured > w.compare.measured) return 'worse';
    if (higher ? f.compare.threshold > w.compare.threshold : f.compare.threshold < w.compare.threshold) return 'stricter';
    return null;
  }
  // No direction known (a check without numbers, or numbers on one side only): only the very same
  // value and threshold are what was waived.
  if (w.compare || f.compare) return 'changed';
  return String(w.measured ?? '') === String(f.measured ?? '') && String(w.threshold ?? '') === String(f.threshold ?? '') ? null : 'changed';
}
