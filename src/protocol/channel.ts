/**
 * The streaming channel: one WebSocket per client connection carrying the same operations as the HTTP routes
 * (same validation, answers and errors), so a worker's polls and completions cost a frame each instead of an HTTP
 * request. Described for people in docs/channel.md (the companion of the OpenAPI document).
 *
 * The client opens `GET /api/v1/channel` with `Upgrade: websocket` and the subprotocol below; text frames carry one
 * JSON object each. A later, incompatible version gets a new subprotocol name; a server refuses names it does not
 * speak with 400 and the list it does (`details.supported`), so a client never waits on a channel it cannot use.
 */
import type { OperationId } from './routes.js';

/** Where the channel is opened (under the API prefix, like every route). */
export const CHANNEL_PATH = '/api/v1/channel';
/** The subprotocol (Sec-WebSocket-Protocol) of this version of the frames. */
export const CHANNEL_PROTOCOL = 'weft.channel.v1';
export const CHANNEL_PROTOCOLS: readonly string[] = [CHANNEL_PROTOCOL];

/** Client to server: one operation, as the HTTP route would take it (path parameters, query, JSON body). */
export interface ChannelRequest {
  /** Chosen by the client, unique among its requests in flight (a positive safe integer). */
  id: number;
  op: OperationId;
  params?: Record<string, string>;
  query?: Record<string, string | number | boolean>;
  body?: unknown;
}

/** Client to server: the client gives up waiting on request `cancel` (a long poll ends without a task). */
export interface ChannelCancel {
  cancel: number;
}

/** Server to client: the answer to request `id`, with the HTTP status and body the route would have answered. */
export interface ChannelAnswer {
  id: number;
  status: number;
  /** The result (status < 400) or `{ error: { code, message, details } }`; absent for an empty answer. */
  body?: unknown;
}
