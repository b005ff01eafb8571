import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger } from '../services/log/logger.js';
import { MemorySecretStore, redactSecrets } from '../services/secrets/secret-store.js';
import { startHostServer } from './server.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = [resolve(here, '..', '..'), resolve(here, '..', '..', '..')].find((d) =>
  existsSync(join(d, 'package.json')),
)!;

const USAGE = `Usage: rackside-host [--port N] [--data-dir DIR] [--static DIR] [--transcript-limit-mb N] [--profiles-dir DIR]
Serves the Rackside UI on http://127.0.0.1:<port>/?token=<one-time token> (loopback only).
  --port N        port to listen on (default: the port of the last start with this data folder,
                  so an open page finds the restarted host; any free port if it is taken; 0: any)
  --data-dir DIR  the app's data folder (known_hosts); default $XDG_DATA_HOME/rackside
  --static DIR    built renderer (default dist/renderer)
  --transcript-limit-mb N
                  a terminal session stops recording its transcript at N MB (default 1 GiB)
  --profiles-dir DIR
                  the built-in hardware profiles (default resources/profiles of the app);
                  a company's own profiles go into DATA-DIR/profiles`;

/** The data folder's note of the port the host last listened on (no secret: the token is not kept). */
const LAST_PORT_FILE = 'host-port';

function readLastPort(file: string): number | null {
  try {
    const p = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(p) && p > 1023 && p <= 65535 ? p : null;
  } catch {
    return null;
  }
}

function main() {
  let args;
  try {
    args = parseArgs({
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        static: { type: 'string' },
        'transcript-limit-mb': { type: 'string' },
        'profiles-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(args.port ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a number from 0 to 65535, not "${args.port}"`);
    process.exit(2);
  }
  const limitMb = args['transcript-limit-mb'] === undefined ? undefined : Number(args['transcript-limit-mb']);
  if (limitMb !== undefined && !(Number.isFinite(limitMb) && limitMb > 0 && limitMb <= 1024 * 1024)) {
    console.error(`--transcript-limit-mb must be a number of MB above 0 (at most 1048576), not "${args['transcript-limit-mb']}"`);
    process.exit(2);
  }
  const staticDir = resolve(args.static ?? join(root, 'dist', 'renderer'));
  if (!existsSync(join(staticDir, 'index.html'))) {
    console.error(`No built UI in ${staticDir}. Run "npm run build" first (npm start does this for you).`);
    process.exit(1);
  }
  const dataDir = resolve(
    args['data-dir'] ?? join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'rackside'),
  );
  const profilesDir = resolve(args['profiles-dir'] ?? join(root, 'resources', 'profiles'));
  if (!existsSync(profilesDir)) {
    console.error(`No hardware profiles folder at ${profilesDir}: pass --profiles-dir, or restore resources/profiles.`);
    process.exit(1);
  }
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

  // The browser host keeps secrets in memory only (docs/architecture.md, Security: the project folder never holds them).
  const secrets = new MemorySecretStore();
  const log = createLogger(undefined, (line) => redactSecrets(line, secrets.values()));

  const transcriptMaxBytes = limitMb === undefined ? undefined : Math.round(limitMb * 1e6);
  // Without --port, the host comes back on the port it had: a page left open then reaches it and
  // can tell the technician that the backend restarted (its token changed), rather than nothing.
  const portFile = join(dataDir, LAST_PORT_FILE);
  const lastPort = args.port === undefined ? readLastPort(portFile) : null;
  const start = (p: number) => startHostServer({ port: p, dataDir, staticDir, version, secrets, log, transcriptMaxBytes, profilesDir });
  const started = lastPort === null
    ? start(port)
    : start(lastPort).catch((e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? start(0) : Promise.reject(e)));
  started.then(
    (server) => {
      if (args.port === undefined) {
        try {
          mkdirSync(dataDir, { recursive: true });
          writeFileSync(portFile, `${server.port}\n`);
        } catch (e) {
          log.warn('could not remember the port', { file: portFile, error: (e as Error).message });
        }
      }
      console.log(`Rackside browser host: ${server.url}`);
      console.log('Open that address in a browser on this machine. Press Ctrl-C to stop.');
      const stop = () => void server.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (e: NodeJS.ErrnoException) => {
      console.error(
        e.code === 'EADDRINUSE'
          ? `Port ${port} is already in use: pick another with --port, or --port 0 for any free one.`
          : `Could not start the browser host: ${e.message}`,
      );
      process.exit(1);
    },
  );
}

main();
