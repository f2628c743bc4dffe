/**
 * Answers for requests that never reach a route: Node's HTTP parser refused them (headers too large, not HTTP,
 * not arrived in time, an Expect it cannot meet), or the router did (a bad percent-encoding). Each gets the API's error
 * body like every other answer, and correct framing: a Content-Length, no body on a HEAD answer, and
 * `Connection: close` whenever the connection is closed after it, so a client reusing connections is told.
 */
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../common/api-error.js';

/** Request line and headers together: room for the longest query string and ids (docs/limits.md). */
export const MAX_HEADER_BYTES = 128 * 1024;
/**
 * Where Node's parser gives up (its maxHeaderSize). Requests between the two limits are parsed, and answered 431
 * by `refuseLargeHeaders` knowing their method (no body on a HEAD answer); beyond, by `onClientError`.
 */
export const PARSER_HEADER_BYTES = 1024 * 1024;

type ClientError = Error & { code?: string; rawPacket?: unknown };

const headersTooLarge = (): ApiError =>
  new ApiError('HEADERS_TOO_LARGE', `the request line and headers are over the limit of ${MAX_HEADER_BYTES} bytes`, {
    limit: MAX_HEADER_BYTES,
  });

/**
 * An onRequest hook (callback style: it runs on every request): a request whose line and headers are over
 * MAX_HEADER_BYTES gets 431, and the connection closes.
 */
export function refuseLargeHeaders(req: FastifyRequest, reply: FastifyReply, done: () => void): void {
  let size = req.raw.method!.length + req.raw.url!.length + 12;
  for (const h of req.raw.rawHeaders) size += h.length + 2;
  if (size <= MAX_HEADER_BYTES) return done();
  const e = headersTooLarge();
  void reply.status(e.status).header('connection', 'close').send(e.toJSON());
}

function parserError(err: ClientError): ApiError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return headersTooLarge();
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError('REQUEST_TIMEOUT', 'the request did not arrive whole in time (requestReceiveMs)');
    default:
      return new ApiError('INVALID_ARGUMENT', `not a valid HTTP/1.1 request (${err.code ?? err.message})`);
  }
}

/**
 * Node's `clientError`: the parser gave up on the connection. Answer once, in the API's shape, then close.
 * Whether the request was a HEAD is read from the start of the bytes the parser was at: a HEAD whose headers
 * overflowed PARSER_HEADER_BYTES over several reads is not recognised, and gets the body after its headers
 * (`Connection: close` ends the exchange there, so no client reads it as the next answer).
 */
export function onClientError(err: ClientError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const e = parserError(err);
  const body = JSON.stringify(e.toJSON());
  const raw = err.rawPacket;
  const head = Buffer.isBuffer(raw) && raw.subarray(0, 5).toString('latin1') === 'HEAD ';
  const answer =
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? 'Error'}\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${head ? '' : body}`;
  socket.write(answer, () => socket.destroy());
}

/**
 * Fastify's `frameworkErrors`: the router refused the URL (a bad percent-encoding) before any route ran. The
 * connection stays usable. (It never cuts a long path parameter: the schemas refuse a too-long id, as in a body.)
 */
export function onFrameworkError(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const e =
    err.code === 'FST_ERR_BAD_URL'
      ? new ApiError('INVALID_ARGUMENT', 'the URL path is not valid (a bad percent-encoding?)')
      : new ApiError('INVALID_ARGUMENT', `the URL is not valid: ${err.message}`);
  void reply.status(e.status).send(e.toJSON());
}

/** Bytes and time a refused request body is read (and dropped) for, so its sender gets to read the answer. */
const DRAIN_BYTES = 16 * 1024 * 1024;
const DRAIN_MS = 5_000;

/**
 * Reads and drops the rest of a request body that was refused unread (over the size limit), up to DRAIN_BYTES
 * or DRAIN_MS: a server that answers and closes while the client is still sending resets the connection, and
 * the client then often loses the answer (EPIPE) instead of reading 413. Resolves true when the body ended.
 */
export function drainRequest(req: IncomingMessage): Promise<boolean> {
  if (req.readableEnded || req.destroyed) return Promise.resolve(req.readableEnded);
  return new Promise((resolve) => {
    let seen = 0;
    const done = (ended: boolean): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onEnd);
      req.off('close', onEnd);
      resolve(ended);
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > DRAIN_BYTES) {
        req.pause();
        done(false);
      }
    };
    const onEnd = (): void => done(req.readableEnded);
    const timer = setTimeout(() => {
      req.pause();
      done(false);
    }, DRAIN_MS);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onEnd);
    req.on('close', onEnd);
    req.resume();
  });
}

/**
 * Node's `checkExpectation`: an `Expect` header other than 100-continue. Refused with 417 in the API's shape (Node
 * would answer with no body); the request is not run, and the connection closes (its body, if any, is unread).
 */
export function onUnmetExpectation(req: IncomingMessage, res: ServerResponse): void {
  const e = new ApiError('EXPECTATION_FAILED', `unsupported Expect header: ${JSON.stringify(req.headers.expect)}`);
  const body = JSON.stringify(e.toJSON());
  res.writeHead(e.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
