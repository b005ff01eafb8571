import type { z } from 'zod';
import {
  because,
  err,
  isRequestChannel,
  requests,
  type RequestChannel,
  type RequestOf,
  type ResponseOf,
  type Result,
} from '../../contract/index.js';
import type { Logger } from '../log/logger.js';

export type Handlers = {
  [C in RequestChannel]: (payload: ResponseIn<C>) => Promise<Result<ResponseOf<C>>>;
};
/** The handlers of one domain's channels. */
export type HandlersFor<K extends RequestChannel> = Pick<Handlers, K>;

/** Handlers receive the payload after zod parsing (defaults applied). */
type ResponseIn<C extends RequestChannel> = z.output<(typeof requests)[C]['request']>;

// Lives in the contract so that services emitting events (terminal/) need nothing from api/.
export type { Emit } from '../../contract/index.js';

/**
 * The one entry point both adapters call for every incoming request. It validates the channel
 * name and payload against the contract, runs the handler, and turns anything unexpected into an
 * `internal` Result (logged with context) so no exception ever crosses the boundary.
 */
export function createDispatcher(handlers: Handlers, log: Logger) {
  return async function dispatch(channel: unknown, payload: unknown): Promise<Result<unknown>> {
    if (!isRequestChannel(channel)) {
      const name = JSON.stringify(String(channel)).slice(0, 120);
      return because(err('unknown-channel', `Unknown request channel ${name}`), 'request-unknown-channel', { channel: name });
    }
    const parsed = requests[channel].request.safeParse(payload ?? {});
    if (!parsed.success) {
      const detail = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`)
        .join('; ');
      return because(err('invalid-request', `Invalid ${channel} request: ${detail}`, 'This is a bug in the app; please report it.'), 'request-invalid', { channel, detail });
    }
    try {
      const handler = handlers[channel] as (p: unknown) => Promise<Result<unknown>>;
      return await handler(parsed.data);
    } catch (e) {
      log.error('handler failed', { channel, error: e instanceof Error ? e.stack ?? e.message : String(e) });
      const detail = e instanceof Error ? e.message : String(e);
      return because(err('internal', `Unexpected failure in ${channel}: ${detail}`, 'See the application log for details.'), 'request-failed', { channel, detail });
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
export type { RequestOf };
