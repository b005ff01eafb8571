import { create } from 'zustand';

/**
 * The Report step's sign-off names, per project folder. They belong to an export, not to
 * project.yaml, but a technician who leaves the step or reloads the window should not type them
 * again: kept here (outliving the step's component) and in localStorage (outliving a reload).
 * The date is kept only in memory: a date restored the next day would sign with the wrong one.
 */
export interface SignOffDraft {
  technician: string;
  customerRepresentative: string;
  date: string;
}

type StoredNames = Pick<SignOffDraft, 'technician' | 'customerRepresentative'>;

export const SIGN_OFF_STORAGE_PREFIX = 'rackside.signOff:';

const storageKey = (dir: string) => `${SIGN_OFF_STORAGE_PREFIX}${dir}`;

function readStored(dir: string): StoredNames | null {
  try {
    const raw = globalThis.localStorage?.getItem(storageKey(dir));
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<StoredNames>;
    return { technician: typeof v.technician === 'string' ? v.technician : '', customerRepresentative: typeof v.customerRepresentative === 'string' ? v.customerRepresentative : '' };
  } catch {
    // Storage disabled or a corrupt entry: start from the defaults.
    return null;
  }
}

function writeStored(dir: string, names: StoredNames): void {
  try {
    globalThis.localStorage?.setItem(storageKey(dir), JSON.stringify(names));
  } catch {
    // Not persisting is acceptable: the names still live for this session.
  }
}

interface SignOffStore {
  byDir: Record<string, SignOffDraft>;
  update(dir: string, draft: SignOffDraft): void;
}

export const useSignOffStore = create<SignOffStore>()((set) => ({
  byDir: {},
  update: (dir, draft) => {
    writeStored(dir, { technician: draft.technician, customerRepresentative: draft.customerRepresentative });
    set((s) => ({ byDir: { ...s.byDir, [dir]: draft } }));
  },
}));

/** This folder's sign-off as last typed, else as stored before a reload, else the defaults. */
export function signOffFor(byDir: Record<string, SignOffDraft>, dir: string, defaults: SignOffDraft): SignOffDraft {
  const inMemory = byDir[dir];
  if (inMemory) return inMemory;
  const stored = readStored(dir);
  return stored ? { ...defaults, ...stored } : defaults;
}
