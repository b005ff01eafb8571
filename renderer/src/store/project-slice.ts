import type { StateCreator } from 'zustand';
import type { AppError, Project } from '../../../electron/contract/index.js';
import { draftFromHost } from '../lib/host-draft.js';
import type { AppStore } from './index.js';

/** Kept as data, not text, so switching language re-renders the message. */
export type ProjectMessage =
  | { kind: 'ok'; action: 'saved' | 'opened'; path: string }
  | { kind: 'error'; action: 'save' | 'open' | 'pick'; error: AppError };

export type ProjectField = 'site' | 'customer' | 'technician';

/**
 * project.yaml in `dir` failed to open (or a save was refused because it could not be read).
 * Saving there stays off until the technician keeps it (fix by hand, open again) or replaces it.
 */
export interface BrokenProject {
  dir: string;
  choice: 'pending' | 'keep';
}

/**
 * The parts of project.yaml that later steps own (hardware profile, thresholds, network plan…).
 * Kept whole and written back on every save, so saving from one step never drops another's data.
 */
export type ProjectExtras = Omit<Project, 'version' | 'site' | 'customer' | 'technician' | 'hosts'>;

export interface ProjectSlice {
  projectDir: string;
  site: string;
  customer: string;
  technician: string;
  extras: ProjectExtras;
  /** Something changed since the last save or open. */
  dirty: boolean;
  projectMessage: ProjectMessage | null;
  /** Revision of project.yaml this window's copy is based on (0: not opened or saved yet). */
  projectRevision: number;
  brokenProject: BrokenProject | null;
  setBrokenProject(broken: BrokenProject | null): void;
  setProjectField(field: ProjectField, value: string): void;
  setProjectDir(dir: string): void;
  setExtras(patch: Partial<ProjectExtras>): void;
  setProjectMessage(message: ProjectMessage | null): void;
  markSaved(path: string, revision: number): void;
  /** project.open: the file's content replaces fields and hosts; old test results are dropped. */
  loadProject(project: Project, path: string, dir: string, revision?: number): void;
}

export const createProjectSlice: StateCreator<AppStore, [], [], ProjectSlice> = (set) => ({
  projectDir: '',
  site: '',
  customer: '',
  technician: '',
  extras: {},
  dirty: false,
  projectMessage: null,
  projectRevision: 0,
  brokenProject: null,
  setBrokenProject: (brokenProject) => set({ brokenProject }),
  setProjectField: (field, value) => set({ [field]: value, dirty: true } as Partial<AppStore>),
  setProjectDir: (projectDir) => set({ projectDir }),
  setExtras: (patch) => set((s) => ({ extras: { ...s.extras, ...patch }, dirty: true })),
  setProjectMessage: (projectMessage) => set({ projectMessage }),
  markSaved: (path, projectRevision) =>
    set({ dirty: false, projectRevision, brokenProject: null, projectMessage: { kind: 'ok', action: 'saved', path } }),
  loadProject: ({ version: _v, site, customer, technician, hosts, ...extras }, path, dir, projectRevision = 0) =>
    set({
      projectRevision,
      brokenProject: null,
      projectDir: dir,
      site,
      customer,
      technician,
      extras,
      hosts: hosts.map(draftFromHost),
      results: {},
      testing: {},
      importOutcome: null,
      inventoryError: null,
      dirty: false,
      projectMessage: { kind: 'ok', action: 'opened', path },
    }),
});
