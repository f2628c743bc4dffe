/**
 * The server's end of the streaming channel (protocol/channel.ts, docs/channel.md): a WebSocket per client on
 * the HTTP server, each text frame one operation served exactly as its HTTP route serves it
 * (serve-operation.ts), answered in a frame with the status and body HTTP would have sent. Operations of one
 * channel run concurrently and are answered as they finish.
 */
import { ServerResponse, STATUS_CODES, type IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError } from '../../common/api-error.js';
import { CHANNEL_PATH, CHANNEL_PROTOCOLS, type ChannelAnswer, type ChannelRequest } from '../../protocol/channel.js';
import type { ServerContext } from '../context.js';
import { operationById, operations } from './operations.js';
import { failureAnswer, NEVER_ABORTED, serveOperation } from './serve-operation.js';
import { carriesTasks, undelivered } from '../lost-starts.js';

/** How often the server pings an idle client; one that has not answered the previous ping is cut off. */
const PING_MS = 30_000;

/** Close codes (RFC 6455): the server stops; a frame that is not JSON; one that breaks the protocol. */
const GOING_AWAY = 1001;
const INVALID_PAYLOAD = 1007;
const POLICY_VIOLATION = 1008;

/** The largest frame any operation takes (the one with the largest body limit), plus the frame's envelope. */
function maxFrameBytes(ctx: ServerContext): number {
  let max = ctx.config.payloadLimitBytes + 256 * 1024;
  for (const op of operations) if (op.bodyLimit) max = Math.max(max, op.bodyLimit(ctx));
  return max + 64 * 1024;
}

/** Answers an upgrade it refuses with the API's error body, then closes the socket. */
function refuse(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(err.toJSON());
  socket.end(
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? 'Error'}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

/**
 * Once the server listens for upgrades, Node hands it every request with an Upgrade header: one asking for another
 * protocol than WebSocket (`curl --http2` asks for h2c) is answered as the plain request it also is, on a
 * connection that then closes. Node no longer parses the body of such a request: one with a body is refused
 * (400, naming the upgrade to leave out).
 */
function answerPlainly(app: FastifyInstance, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) !== 0;
  if (hasBody || !(socket instanceof Socket))
    return refuse(
      socket,
      new ApiError(
        'INVALID_ARGUMENT',
        `upgrade to ${req.headers.upgrade} is not supported with a request body: send the request without it`,
      ),
    );
  if (head.length > 0) socket.unshift(head);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once('finish', () => {
    res.detachSocket(socket);
    socket.end();
  });
  req.push(null); // no body
  app.server.emit('request', req, res);
}

/** Mounts the channel on the app's HTTP server. `storeOutage` logs 503 STORE_UNAVAILABLE answers (rate-limited). */
export function attachChannel(app: FastifyInstance, ctx: ServerContext, storeOutage: (message: string) => void): void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameBytes(ctx),
    perMessageDeflate: false,
    handleProtocols: (offered) => CHANNEL_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void (async () => {
      const path = (req.url ?? '').split('?')[0];
      if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return answerPlainly(app, req, socket, head);
      if (path !== CHANNEL_PATH) return refuse(socket, new ApiError('NOT_FOUND', `no WebSocket at ${path}`));
      if (ctx.shutdown.signal.aborted) return refuse(socket, new ApiError('SHUTTING_DOWN', 'the server is stopping'));
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
      if (!offered.some((p) => CHANNEL_PROTOCOLS.includes(p)))
        return refuse(
          socket,
          new ApiError(
            'INVALID_ARGUMENT',
            `this server speaks the channel protocol ${CHANNEL_PROTOCOLS.join(', ')}, not ${offered.join(', ') || 'none'}: ` +
              'use a matching client, or plain HTTP requests',
            { supported: [...CHANNEL_PROTOCOLS] },
          ),
        );
      // with API keys: no channel without a valid key (each frame is checked again, so a revoked key stops working)
      if (ctx.callers) {
        try {
          await ctx.callers.authenticate(req.headers.authorization);
        } catch (e) {
          return refuse(socket, failureAnswer(ctx, e, { url: req.url }, storeOutage));
        }
      }
      wss.handleUpgrade(req, socket, head, (ws) => serveChannel(ctx, ws, req, storeOutage));
    })();
  });
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      const alive = ws as WebSocket & { weftAwaitingPong?: boolean };
      if (alive.weftAwaitingPong) {
        ws.terminate();
        continue;
      }
      alive.weftAwaitingPong = true;
      ws.ping();
    }
  }, PING_MS);
  pinger.unref();
  app.addHook('onClose', async () => {
    clearInterval(pinger);
    for (const ws of wss.clients) ws.close(GOING_AWAY, 'the server is stopping');
    // a client that does not answer the close handshake at once is cut off
    const deadline = Date.now() + 1000;
    while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  });
}

function serveChannel(
  ctx: ServerContext,
  ws: WebSocket,
  upgrade: IncomingMessage,
  storeOutage: (message: string) => void,
): void {
  const authorization = upgrade.headers.authorization;
  const identityHeader = upgrade.headers['x-weft-identity'];
  const identity = typeof identityHeader === 'string' ? identityHeader : undefined;
  /** Long polls in flight, by request id: aborted by a cancel frame or when the channel closes. */
  const inFlight = new Map<number, AbortController | undefined>();
  ctx.metrics.channelsOpen.inc();

  ws.on('pong', () => ((ws as WebSocket & { weftAwaitingPong?: boolean }).weftAwaitingPong = false));
  ws.on('close', () => {
    ctx.metrics.channelsOpen.dec();
    for (const ac of inFlight.values()) ac?.abort();
    inFlight.clear();
  });
  ws.on('error', (err) => ctx.log.debug({ err: err.message }, 'channel error'));

  const answer = (a: ChannelAnswer): void => {
    // an answer that carries started tasks and cannot be sent: they are timed out at once
    if (ws.readyState !== ws.OPEN) return undelivered(ctx, a.body);
    if (carriesTasks(a.body)) ws.send(JSON.stringify(a), (err) => err && undelivered(ctx, a.body));
    else ws.send(JSON.stringify(a));
  };

  ws.on('message', (data, isBinary) => {
    (ws as WebSocket & { weftAwaitingPong?: boolean }).weftAwaitingPong = false;
    const text = isBinary ? undefined : data.toString();
    let frame: unknown;
    try {
      frame = text === undefined ? undefined : JSON.parse(text);
    } catch {
      frame = undefined;
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame))
      return ws.close(INVALID_PAYLOAD, 'each frame must be a JSON object (a request or a cancel)');
    const f = frame as Partial<ChannelRequest> & { cancel?: unknown };
    if (f.cancel !== undefined) {
      if (typeof f.cancel === 'number') inFlight.get(f.cancel)?.abort();
      return;
    }
    const id = f.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
      return ws.close(POLICY_VIOLATION, 'a request needs an id: a positive integer');
    if (inFlight.has(id)) return ws.close(POLICY_VIOLATION, `request id ${id} is already in flight`);
    const op = typeof f.op === 'string' ? operationById.get(f.op) : undefined;
    if (!op) {
      const e = new ApiError('NOT_FOUND', `no operation ${JSON.stringify(f.op)}`);
      return answer({ id, status: e.status, body: e.toJSON() });
    }
    const limit = op.bodyLimit ? op.bodyLimit(ctx) : ctx.config.payloadLimitBytes + 256 * 1024;
    if ((data as Buffer).length > limit + 64 * 1024) {
      const e = new ApiError('PAYLOAD_TOO_LARGE', 'request body is over the size limit');
      return answer({ id, status: e.status, body: e.toJSON() });
    }
    const ac = op.longPoll ? new AbortController() : undefined;
    inFlight.set(id, ac);
    ctx.metrics.channelRequests.inc();
    void (async () => {
      try {
        if (ctx.shutdown.signal.aborted) throw new ApiError('SHUTTING_DOWN', 'the server is stopping');
        const result = await serveOperation(ctx, op, {
          authorization,
          identity,
          params: f.params ?? {},
          query: f.query ?? {},
          body: f.body,
          signal: ac?.signal ?? NEVER_ABORTED,
        });
        // the channel closed, or the caller cancelled the request, meanwhile: nobody reads the answer
        if (!inFlight.delete(id) || ac?.signal.aborted) return undelivered(ctx, result);
        answer(result === undefined ? { id, status: 200 } : { id, status: 200, body: result });
      } catch (e) {
        if (!inFlight.delete(id)) return;
        const api = failureAnswer(ctx, e, { op: op.id, channel: true }, storeOutage);
        answer({ id, status: api.status, body: api.toJSON() });
      }
    })();
  });
}
