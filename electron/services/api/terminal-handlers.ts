import type { terminalRequests } from '../../contract/channels/terminal.js';
import { because, err, ok } from '../../contract/index.js';
import type { HandlersFor } from './dispatcher.js';
import type { HandlerContext, SharedServices } from './handlers.js';

const gone = (sessionId: string) =>
  because(err('not-found', `Terminal session ${sessionId} does not exist (it was closed)`, 'Open a new shell.'), 'term-session-gone', { session: sessionId });

/** The live terminal: shells, step streams, flow-control acks (issue 6). */
export function createTerminalHandlers(_ctx: HandlerContext, { terminals }: SharedServices): HandlersFor<keyof typeof terminalRequests> {
  return {
    'terminal.open': async ({ target, cols, rows, projectDir }) =>
      target.kind === 'local'
        ? terminals.openLocal({ cols, rows }, projectDir)
        : terminals.openShell(target.host, { cols, rows }, projectDir, {
            ...(target.bastion ? { bastion: target.bastion } : {}),
            ...(target.hostKeyPolicy ? { hostKeyPolicy: target.hostKeyPolicy } : {}),
          }),

    'terminal.input': async ({ sessionIds, data }) => ok({ delivered: terminals.input(sessionIds, data) }),

    'terminal.resize': async ({ sessionId, cols, rows }) =>
      terminals.resize(sessionId, cols, rows) ? ok({}) : gone(sessionId),

    // An ack for a session that just closed is normal (it raced the close): not an error.
    'terminal.ack': async ({ sessionId, chars }) => {
      terminals.ack(sessionId, chars);
      return ok({});
    },

    'terminal.snapshot': async ({ sessionId }) => {
      const snap = terminals.snapshot(sessionId);
      return snap ? ok(snap) : gone(sessionId);
    },

    'terminal.close': async ({ sessionId }) => {
      terminals.close(sessionId);
      return ok({});
    },

    'terminal.list': async () => ok({ sessions: terminals.list() }),
  };
}
