import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session } from 'electron';
import { createDispatcher } from '../services/api/dispatcher.js';
import { createHandlers, runShutdown, type HandlerContext } from '../services/api/handlers.js';
import { createLogger } from '../services/log/logger.js';
import { redactSecrets } from '../services/secrets/secret-store.js';
import { createEmitter, wireIpc } from './ipc.js';
import { createMainWindow } from './main-window.js';
import { createPrintToPdf } from './print-to-pdf.js';
import { registerAppProtocol, registerAppScheme } from './protocol.js';
import { reloadWhenRendererGone } from './renderer-recovery.js';
import { SafeStorageSecretStore } from './safe-storage-secret-store.js';
import { hardenWebContents, installContentSecurityPolicy, installPermissionHandlers } from './security.js';

/*
 * The Electron adapter: lifecycle and wiring only. Everything that does work lives in
 * electron/services and is shared with the browser host.
 */

// Compiled to dist/electron/main/index.js; the preload is bundled to dist/electron/preload/index.cjs
// and the renderer built to dist/renderer.
const here = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD_PATH = path.join(here, '../preload/index.cjs');
const RENDERER_DIR = path.join(here, '../../renderer');

let secrets: SafeStorageSecretStore | undefined;
const log = createLogger(undefined, (line) => (secrets ? redactSecrets(line, secrets.values()) : line));
let mainWindow: BrowserWindow | null = null;
/** What the backend must finish before the app exits (HandlerContext.onShutdown). */
const shutdown: (() => Promise<void>)[] = [];
const getMainContents = () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents : null);

if (!app.requestSingleInstanceLock()) {
  // A second Rackside would fight the first over the same secrets file and project journals.
  app.quit();
} else {
  app.enableSandbox();
  registerAppScheme(protocol);

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, log));
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Hold the quit until sessions are closed with their transcripts complete (runShutdown bounds
  // the wait) and the last async secret write is on disk.
  let flushed = false;
  app.on('before-quit', (event) => {
    if (flushed) return;
    event.preventDefault();
    void runShutdown(shutdown, log)
      .then(() => secrets?.flush())
      .finally(() => {
        flushed = true;
        app.quit();
      });
  });

  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      log.error('startup failed', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      dialog.showErrorBox('Rackside could not start', e instanceof Error ? e.message : String(e));
      app.exit(1);
    });
}

async function start(): Promise<void> {
  registerAppProtocol(protocol, RENDERER_DIR);
  installPermissionHandlers(session.defaultSession);
  installContentSecurityPolicy(session.defaultSession);

  const userData = app.getPath('userData');
  secrets = await SafeStorageSecretStore.open({ file: path.join(userData, 'secrets.bin'), safeStorage, log });

  const ctx: HandlerContext = {
    transport: 'electron',
    version: app.getVersion(),
    dataDir: userData,
    secrets,
    emit: createEmitter(getMainContents, log),
    log,
    pickFolder,
    pickFile,
    printToPdf: createPrintToPdf(BrowserWindow),
    onShutdown: (fn) => shutdown.push(fn),
    // Packaged, resources/profiles is copied next to the app (electron-builder extraResources);
    // unpackaged, the services find the repo's resources/profiles themselves.
    ...(app.isPackaged ? { profilesDir: path.join(process.resourcesPath, 'profiles') } : {}),
  };
  wireIpc(ipcMain, { dispatch: createDispatcher(createHandlers(ctx), log), getMainContents, log });

  openMainWindow();
  app.on('activate', () => {
    // macOS: clicking the dock icon with no window open.
    if (!mainWindow) openMainWindow();
  });
}

function openMainWindow(): void {
  const win = createMainWindow(BrowserWindow, PRELOAD_PATH, log);
  reloadWhenRendererGone(win.webContents, log, {
    onGiveUp: (reason) =>
      dialog.showErrorBox(
        'Rackside window keeps stopping',
        `The window's page stopped (${reason}) several times in a minute. Quit and start Rackside again, then open the project folder.`,
      ),
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  mainWindow = win;
}

async function pickFile(): Promise<string | null> {
  const options: Electron.OpenDialogOptions = {
    title: 'Import an inventory file',
    properties: ['openFile'],
    filters: [{ name: 'Inventory (CSV, YAML)', extensions: ['csv', 'yaml', 'yml'] }],
  };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

async function pickFolder(purpose: 'open' | 'save'): Promise<string | null> {
  const options: Electron.OpenDialogOptions = {
    title: purpose === 'open' ? 'Open a Rackside project folder' : 'Choose a folder for the project',
    properties: ['openDirectory', 'createDirectory'],
  };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}
