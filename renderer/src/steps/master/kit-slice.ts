import type { StateCreator } from 'zustand';
import type { AppStore } from '../../store/index.js';

/** What the technician typed into the site kit's build form: kept while they visit other steps. */
export interface KitForm {
  sourceUri: string;
  suite: string;
  trusted: boolean;
  statusFile: string;
  targets: string;
}

export interface KitSlice {
  kitForm: KitForm;
  setKitForm(change: Partial<KitForm>): void;
}

export const KIT_FORM_DEFAULTS: KitForm = { sourceUri: 'http://deb.debian.org/debian', suite: 'bookworm', trusted: false, statusFile: '', targets: 'bookworm-amd64' };

export const createKitSlice: StateCreator<AppStore, [], [], KitSlice> = (set) => ({
  kitForm: KIT_FORM_DEFAULTS,
  setKitForm: (change) => set((s) => ({ kitForm: { ...s.kitForm, ...change } })),
});
