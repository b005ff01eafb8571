import type { StateCreator } from 'zustand';
import type { AppError, Project } from '../../../electron/contract/index.js';
import { draftFromHost } from '../lib/host-draft.js';
import type { AppStore } from './index.js';

/** Kept as data, not text, so switching language re-renders the message. */
export type ProjectMessage =
  | { kind: 'ok'; action: 'saved' | 'opened'; path: string }
  | { kind: 'error'; action: 'save' | 'open' | 'pick'; error: AppError };

export type ProjectField = 'site' | 'customer' | 'technician';

export interface ProjectSlice {
  projectDir: string;
  site: string;
  customer: string;
  technician: string;
  /** Something changed since the last save or open. */
  dirty: boolean;
  projectMessage: ProjectMessage | null;
  setProjectField(field: ProjectField, value: string): void;
  setProjectDir(dir: string): void;
  setProjectMessage(message: ProjectMessage | null): void;
  markSaved(path: string): void;
  /** project.open: the file's content replaces fields and hosts; old test results are dropped. */
  loadProject(project: Project, path: string, dir: string): void;
}

export const createProjectSlice: StateCreator<AppStore, [], [], ProjectSlice> = (set) => ({
  projectDir: '',
  site: '',
  customer: '',
  technician: '',
  dirty: false,
  projectMessage: null,
  setProjectField: (field, value) => set({ [field]: value, dirty: true } as Partial<AppStore>),
  setProjectDir: (projectDir) => set({ projectDir }),
  setProjectMessage: (projectMessage) => set({ projectMessage }),
  markSaved: (path) => set({ dirty: false, projectMessage: { kind: 'ok', action: 'saved', path } }),
  loadProject: (project, path, dir) =>
    set({
      projectDir: dir,
      site: project.site,
      customer: project.customer,
      technician: project.technician,
      hosts: project.hosts.map(draftFromHost),
      results: {},
      testing: {},
      importOutcome: null,
      inventoryError: null,
      dirty: false,
      projectMessage: { kind: 'ok', action: 'opened', path },
    }),
});
