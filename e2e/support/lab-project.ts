import { expect } from 'vitest';
import { lab } from '../../scripts/test-support/lab.js';
import type { WizardPage } from '../pages/wizard-page.js';

/**
 * Step 1 as a technician does it on the lab: open the app, import the lab inventory, test the
 * connections, trust the four fingerprints shown, fill the project fields and save to `dir`.
 */
export async function setUpLabProject(
  wizard: WizardPage,
  url: string,
  project: { site: string; customer: string; technician: string; dir: string },
): Promise<void> {
  await wizard.open(url);
  await wizard.importInventory((await lab.inventoryText()).path);
  await wizard.testConnections();
  await wizard.waitForRows((rows) => rows.length === 4 && rows.every((r) => r.status === 'hostkey-unknown'));
  await wizard.trustAllShownFingerprints();
  await wizard.waitForRows((rows) => rows.every((r) => r.status === 'ok'));
  await wizard.fillProject(project);
  expect((await wizard.save()).kind).toBe('ok');
}
