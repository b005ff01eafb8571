import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The runtime boundaries of docs/architecture.md ("What may import what") are lint rules; this proves they bite.
const eslint = new ESLint({ cwd: join(import.meta.dirname, '..', '..') });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

// The first lint loads the whole typed ESLint config: seconds on a busy 2-core machine.
describe('runtime boundaries', { timeout: 30_000 }, () => {
  it('renderer/ may not import Node, electron or backend services', async () => {
    for (const src of [
      "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;",
      "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;",
      "import { SshPool } from '../../electron/services/ssh/pool.js';\nexport const x = SshPool;",
    ]) {
      expect(await ruleIds(src, 'renderer/src/boundary-probe.ts')).toContain('no-restricted-imports');
    }
  });

  it('renderer/ may import the contract', async () => {
    const src = "import { ok } from '../../electron/contract/index.js';\nexport const x = ok;";
    expect(await ruleIds(src, 'renderer/src/boundary-probe.ts')).not.toContain('no-restricted-imports');
  });

  it('electron/contract imports nothing platform-specific or outside itself', async () => {
    expect(await ruleIds("import { join } from 'node:path';\nexport const x = join;", 'electron/contract/probe.ts')).toContain('no-restricted-imports');
    expect(await ruleIds("import { SshPool } from '../services/ssh/pool.js';\nexport const x = SshPool;", 'electron/contract/probe.ts')).toContain(
      'no-restricted-imports',
    );
  });

  it('runbook/ never imports a step module (the registry is handed to it)', async () => {
    for (const src of [
      "import { stepRegistry } from '../steps/registry.js';\nexport const x = stepRegistry;",
      "import { hardwareStep } from '../steps/hardware/step.js';\nexport const x = hardwareStep;",
    ]) {
      expect(await ruleIds(src, 'electron/services/runbook/probe.ts')).toContain('no-restricted-imports');
    }
    const own = "import { buildPlan } from './plan.js';\nexport const x = buildPlan;";
    expect(await ruleIds(own, 'electron/services/runbook/probe.ts')).not.toContain('no-restricted-imports');
    // The electron ban of all services still holds there.
    expect(await ruleIds("import { app } from 'electron';\nexport const x = app;", 'electron/services/runbook/probe.ts')).toContain('no-restricted-imports');
  });

  it('services other than api/ never import api/ (terminal/ took Emit and the headroom helper from there)', async () => {
    for (const src of [
      "import type { Emit } from '../api/dispatcher.js';\nexport type X = Emit;",
      "import { createHandlers } from '../api/handlers.js';\nexport const x = createHandlers;",
    ]) {
      expect(await ruleIds(src, 'electron/services/terminal/probe.ts')).toContain('no-restricted-imports');
      expect(await ruleIds(src, 'electron/services/runbook/probe.ts')).toContain('no-restricted-imports');
    }
    const contract = "import { joinWithHeadroom, type Emit } from '../../contract/index.js';\nexport const x: Emit | typeof joinWithHeadroom = joinWithHeadroom;";
    expect(await ruleIds(contract, 'electron/services/terminal/probe.ts')).not.toContain('no-restricted-imports');
  });

  it('the report reads a step through its index.ts, not its internals', async () => {
    const internal = "import { isLabNode } from '../steps/hardware/lab-node.js';\nexport const x = isLabNode;";
    expect(await ruleIds(internal, 'electron/services/report/probe.ts')).toContain('no-restricted-imports');
    for (const src of [
      "import { isLabNode } from '../steps/hardware/index.js';\nexport const x = isLabNode;",
      "import { DEFAULT_STEPS } from '../steps/registry.js';\nexport const x = DEFAULT_STEPS;",
    ]) {
      expect(await ruleIds(src, 'electron/services/report/probe.ts')).not.toContain('no-restricted-imports');
    }
  });

  it('services never import electron', async () => {
    expect(await ruleIds("import { app } from 'electron';\nexport const x = app;", 'electron/services/probe.ts')).toContain('no-restricted-imports');
  });
});
