// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** Runtime boundaries (docs/architecture.md, What may import what): each folder says where its code may run. */
const noNode = {
  paths: [...nodeBuiltins, 'electron', 'ssh2', 'ws', 'node-pty'].map((name) => ({
    name,
    message: 'This folder runs outside Node/Electron: talk to the backend through the contract instead.',
  })),
};

const noElectronInServices = { name: 'electron', message: 'Services are plain Node; Electron stays in electron/main.' };
const noApiInServices = {
  regex: '^\\.\\./api/',
  message: 'Services know no transport: what they share with api/ (event types, frame layout) lives in electron/contract.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'release/**', 'node_modules/**', 'e2e/artifacts/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          ...noNode,
          patterns: [
            {
              regex: '(^|/)electron/(?!contract(/|$))',
              message: 'renderer/ may import only electron/contract from the backend.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/contract/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { ...noNode, patterns: [{ regex: '^\\.\\./', message: 'electron/contract imports nothing outside itself.' }] },
      ],
    },
  },
  {
    files: ['electron/contract/*/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { ...noNode, patterns: [{ regex: '^\\.\\./\\.\\./', message: 'electron/contract imports nothing outside itself.' }] },
      ],
    },
  },
  {
    files: ['electron/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noElectronInServices] },
      ],
    },
  },
  {
    // docs/architecture.md: services know no transport; api/ wires them to the channels. Tests may
    // drive a service through the dispatcher.
    files: ['electron/services/**/*.ts'],
    ignores: ['electron/services/api/**', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectronInServices], patterns: [noApiInServices] }],
    },
  },
  {
    // docs/architecture.md: the report reads facts through a step folder's index.ts, not its internals.
    files: ['electron/services/report/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectronInServices],
          patterns: [
            noApiInServices,
            { regex: '(^|/)steps/(?!registry\\.js$)[^/]+/(?!index\\.js$)', message: 'The report reads a step through its index.ts (steps/<step>/index.js), not the step\'s internals.' },
          ],
        },
      ],
    },
  },
  {
    // docs/architecture.md: the engine runs the steps it is handed (api/ injects the registry).
    // Its tests may wire real steps, as api/ does.
    files: ['electron/services/runbook/**/*.ts'],
    ignores: ['**/*.test.ts', 'electron/services/runbook/test-data/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectronInServices],
          patterns: [
            noApiInServices,
            { regex: '(^|/)steps/', message: 'runbook/ never imports a step: the registry is handed to the Runbook (api/runbook-handlers.ts).' },
          ],
        },
      ],
    },
  },
  {
    // Command-line entry points talk to the terminal.
    files: ['scripts/**/*.{ts,mjs,js}', 'e2e/**/*.ts', 'electron/host/cli.ts'],
    rules: { 'no-console': 'off' },
  },
);
