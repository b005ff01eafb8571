import type { PlanView } from '../../../electron/contract/index.js';
import { withHumanSizes } from '../lib/bytes.js';

type Change = PlanView['changes'][number];

/** A change's params ready for `changes.<code>`: sizes in bytes (`size`, `…Bytes`) become "256 MiB", "1.8 TiB". */
export function changeParams(params: Change['params']): Record<string, string | number> {
  // An empty value (a virtual disk has no model) reads as a dash, not as a gap in the sentence.
  return Object.fromEntries(Object.entries(withHumanSizes(params)).map(([k, v]) => [k, v === '' ? '—' : v]));
}

/** Indexes of the changes the technician ticks one by one (each disk a storage action wipes). */
export function tickEachIndexes(changes: readonly Change[]): number[] {
  return changes.flatMap((c, i) => (c.tickEach ? [i] : []));
}

/**
 * Run is allowed only once the list as a whole is ticked AND every change that asks for its own
 * tick is ticked: a wipe of a disk nobody looked at must not ride on one checkbox for the list.
 */
export function canConfirm(changes: readonly Change[], listTicked: boolean, ticked: ReadonlySet<number>): boolean {
  return listTicked && tickEachIndexes(changes).every((i) => ticked.has(i));
}
