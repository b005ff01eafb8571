import type { EventChannel, EventOf, RequestChannel, RequestOf, ResponseOf } from './channels.js';
import type { Result } from './result.js';

/** What the renderer sees, whichever transport carries it. */
export type RacksideApi = {
  [C in RequestChannel]: (payload: RequestOf<C>) => Promise<Result<ResponseOf<C>>>;
} & {
  on<C extends EventChannel>(channel: C, listener: (payload: EventOf<C>) => void): () => void;
};

/** The raw bridge both transports implement; RacksideApi is derived from it. */
export interface Transport {
  invoke(channel: RequestChannel, payload: unknown): Promise<Result<unknown>>;
  subscribe(channel: EventChannel, listener: (payload: unknown) => void): () => void;
}
