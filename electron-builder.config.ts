/**
 * electron-builder configuration: the installers `npm run dist` builds (README, Installers).
 * A .ts file so the fuse values come from the one constant the app's security tests check
 * (electron/main/fuses.ts) instead of a second copy here. electron-builder loads it with jiti;
 * `npm run dist` passes it with --config.
 */
import type { Configuration } from 'electron-builder';
import { ELECTRON_FUSES, type ElectronFuseName } from './electron/main/fuses.js';

/**
 * ELECTRON_FUSES is keyed by @electron/fuses' FuseV1Options names (RunAsNode); electron-builder's
 * `electronFuses` by the same names in camelCase (runAsNode), and it silently ignores a key it does
 * not know — electron/main/security-checklist.test.ts checks every fuse arrives in electron-builder's own
 * fuse wire.
 */
export function electronBuilderFuses(fuses: Record<ElectronFuseName, boolean> = ELECTRON_FUSES): NonNullable<Configuration['electronFuses']> {
  return Object.fromEntries(
    Object.entries(fuses).map(([name, on]) => [name.charAt(0).toLowerCase() + name.slice(1), on]),
  ) as NonNullable<Configuration['electronFuses']>;
}

/**
 * Bundled into dist/renderer by vite, so the main process never loads them; electron-builder would
 * otherwise copy every package of `dependencies` into app.asar.
 */
export const RENDERER_ONLY_PACKAGES = ['@xterm', 'react', 'react-dom', 'react-i18next', 'i18next', 'zustand'] as const;

/**
 * What goes into app.asar, relative to the project folder (electron-builder's `files` syntax: later
 * patterns win, `!` excludes; production node_modules are added by electron-builder and filtered by
 * the exclusions). Only what the main process, the preload and the renderer load at run time:
 * the compiled backend (not the browser host), the preload, the built renderer, and the report
 * template and finding texts the services read from `<app root>/resources` (report/resources.ts).
 */
export function appFiles(withSourceMaps: boolean): string[] {
  return [
    'package.json',
    'dist/electron/main/**/*',
    'dist/electron/preload/**/*',
    'dist/electron/services/**/*',
    'dist/electron/contract/**/*',
    'dist/renderer/**/*',
    'resources/report/**/*',
    'resources/findings/**/*',
    // The test build's marker: a renderer built with test hooks must never ship (vite.config.ts).
    '!dist/renderer/test-build.txt',
    ...(withSourceMaps ? [] : ['!**/*.map']),
    '!**/*.{test,spec,e2e}.{js,mjs,cjs,ts}',
    '!**/{test,tests,__tests__,__mocks__,test-fakes,example,examples,.github}/**',
    '!**/.env',
    '!**/.env.*',
    '!**/*.d.ts',
    '!**/*.{md,markdown}',
    '!**/{README,CHANGELOG,HISTORY}*',
    ...RENDERER_ONLY_PACKAGES.map((p) => `!**/node_modules/${p}/**`),
    // Sources and build leftovers of native modules: only their built .node files (and node-pty's
    // helper executables) run.
    '!**/node_modules/node-pty/{src,deps,third_party,scripts,node-addon-api}/**',
    '!**/node_modules/cpu-features/deps/**',
    '!**/node_modules/*/binding.gyp',
    '!**/node_modules/**/build/Release/obj.target/**',
    '!**/node_modules/**/build/Release/.deps/**',
    '!**/node_modules/**/*.{pdb,o,a,obj,lib,mk,gypi,stamp}',
    // What a rebuild of a native module leaves beside its .node (electron-builder rebuilds in place).
    '!**/node_modules/**/build/{Makefile,*.Makefile,config.gypi}',
    '!**/node_modules/**/build/Release/{node-addon-api,.forge-meta}{,/**}',
    // pdf.js: the services load only the legacy (Node) build, without font or CMap data
    // (report/pdf-text.ts passes no URLs for them).
    '!**/node_modules/pdfjs-dist/{build,web,types,image_decoders,cmaps,standard_fonts}/**',
    '!**/node_modules/pdfjs-dist/legacy/{web,image_decoders}/**',
  ];
}

/** Source maps ship only when asked (RACKSIDE_SOURCEMAPS=1), e.g. for a build support debugs. */
export const APP_FILES = appFiles(process.env.RACKSIDE_SOURCEMAPS === '1');

/**
 * Kept out of app.asar: native modules cannot be dlopen()ed from inside an archive (Electron
 * redirects .node loads to app.asar.unpacked), and node-pty also starts executables of its own
 * (spawn-helper on macOS, winpty-agent.exe and conpty on Windows), which it looks for in
 * app.asar.unpacked.
 */
export const ASAR_UNPACK = ['**/*.node', '**/node_modules/node-pty/build/Release/**', '**/node_modules/node-pty/prebuilds/**'] as const;

/** Next to app.asar, as plain files (process.resourcesPath): main passes profiles/ to the services. */
export const EXTRA_RESOURCES = [{ from: 'resources/profiles', to: 'profiles', filter: ['**/*.yaml'] }] as const;

const config: Configuration = {
  appId: 'io.rackside.desktop',
  productName: 'Rackside',
  copyright: 'Copyright © Rackside',
  directories: { output: 'release', buildResources: 'resources/icons' },
  files: APP_FILES,
  extraResources: EXTRA_RESOURCES.map((r) => ({ ...r, filter: [...r.filter] })),
  asar: true,
  asarUnpack: [...ASAR_UNPACK],
  // Flipping fuses breaks the ad-hoc signature an arm64 macOS binary must carry to start at all;
  // re-signed ad hoc here, and properly afterwards when a signing identity is configured.
  electronFuses: { ...electronBuilderFuses(), resetAdHocDarwinSignature: true },
  // Native modules with a binding.gyp of their own (node-pty, cpu-features) are rebuilt against
  // Electron's headers. ssh2's optional crypto binding is not: ssh2 falls back to Node's crypto
  // when it does not load.
  npmRebuild: true,
  artifactName: '${productName}-${version}-${os}-${arch}.${ext}',
  linux: {
    target: ['AppImage', 'deb'],
    icon: 'resources/icons',
    category: 'Network',
    maintainer: 'Rackside <support@rackside.invalid>',
    synopsis: 'Commission bare Linux servers into a working cluster',
  },
  deb: {
    // Electron's own runtime needs (libnss3, libgbm1 …) are electron-builder's defaults; nothing more.
    packageCategory: 'net',
  },
  win: {
    target: ['nsis'],
    icon: 'resources/icons/256x256.png',
    // Signing: README, Installers → Signing (CSC_LINK / CSC_KEY_PASSWORD or signtoolOptions).
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    createDesktopShortcut: true,
    createStartMenuShortcut: true,
  },
  mac: {
    target: ['dmg'],
    icon: 'resources/icons/1024x1024.png',
    category: 'public.app-category.developer-tools',
    // Required for notarisation; electron-builder's default entitlements allow Electron's JIT.
    hardenedRuntime: true,
    // Notarised only when the APPLE_* credentials are set (README, Signing); unsigned otherwise.
    notarize: Boolean(process.env.APPLE_API_KEY || process.env.APPLE_ID || process.env.APPLE_KEYCHAIN_PROFILE),
  },
  dmg: { title: '${productName} ${version}' },
};

export default config;
