/**
 * The HTTP layer: Fastify mounts the operation table under /api/v1, plus /healthz, the OpenAPI document and
 * the web UI. It only parses, validates and maps errors; the services do the work.
 */
import type { ServerOptions as HttpServerOptions } from 'node:http';
import type { ServerOptions } from 'node:https';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError } from '../../common/api-error.js';
import type { ServerContext } from '../context.js';
import { operations, type Operation } from './operations.js';
import { failureAnswer, NEVER_ABORTED, outageLog, serveOperation } from './serve-operation.js';
import { undelivered } from '../lost-starts.js';
import { attachChannel } from './channel.js';
import { mayUseNamespace } from '../tenancy/access.js';
import {
  drainRequest,
  onClientError,
  onFrameworkError,
  onUnmetExpectation,
  PARSER_HEADER_BYTES,
  refuseLargeHeaders,
} from './http-framing.js';
import { renderHomePage } from './home-page.js';
import { findUiDist, isPageRequest, registerWebUi, sendIndexHtml } from './web-ui.js';

export const API_PREFIX = '/api/v1';

export interface HttpAppOptions {
  version: string;
  /** No web UI: `/` answers 404 like any unknown route. */
  headless?: boolean;
  /** The built web UI to serve (default: the package's ui/dist, when it exists). */
  uiDir?: string;
  /** Serve HTTPS with these options of Node's https server (checked: tls-config.ts). */
  https?: ServerOptions;
}

/** Aborted when the caller hangs up before the answer is sent (ends a long poll early). */
function abortOnHangUp(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  return ac.signal;
}

export async function createHttpApp(ctx: ServerContext, opts: HttpAppOptions): Promise<FastifyInstance> {
  const http: HttpServerOptions = {
    maxHeaderSize: PARSER_HEADER_BYTES,
    // Node 20 honours the receive timeout only when the server is made with it, not when set afterwards
    requestTimeout: ctx.config.requestReceiveMs,
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, ctx.config.requestReceiveMs / 2)),
  };
  const options = {
    logger: false,
    bodyLimit: ctx.config.payloadLimitBytes + 256 * 1024,
    // connections are kept open by workers' long polls; do not cut them
    keepAliveTimeout: 120_000,
    // the time to *receive* a request (a long poll's wait comes after): a client that stops sending halfway
    // does not hold its connection for ever
    requestTimeout: ctx.config.requestReceiveMs,
    forceCloseConnections: true,
    // errors outside the routes get the API's error body and correct framing (http-framing.ts); the router
    // never cuts a path parameter: the schemas say which id is too long, as in a body
    routerOptions: { maxParamLength: PARSER_HEADER_BYTES },
    frameworkErrors: onFrameworkError,
    clientErrorHandler: onClientError,
  };
  // Fastify makes an https server from `https` alone (leaving `http` unused), so that gets both
  const app: FastifyInstance = opts.https
    ? Fastify({ ...options, https: { ...http, ...opts.https } })
    : Fastify({ ...options, http });
  if (opts.https)
    app.server.on('tlsClientError', (err: Error & { code?: string }, socket: { remoteAddress?: string }) =>
      ctx.log.debug({ err: err.message, code: err.code, remote: socket.remoteAddress }, 'TLS handshake refused'),
    );
  app.addHook('onRequest', refuseLargeHeaders);
  app.server.on('checkExpectation', onUnmetExpectation);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Weft API',
        version: opts.version,
        description:
          'Durable workflows: the HTTP API of the Weft server. The same operations also go as frames over one ' +
          'WebSocket per client, the streaming channel (GET /api/v1/channel, subprotocol weft.channel.v1; ' +
          'described in docs/channel.md).',
      },
      servers: [{ url: '/' }],
    },
  });

  // validation is ours (validate.ts), shared with the in-process transport; schemas here document the routes
  app.setValidatorCompiler(() => () => true);
  const storeOutage = outageLog(ctx.log);
  app.setErrorHandler(async (err, req, reply) => {
    const api = failureAnswer(ctx, err, { url: req.url, method: req.method }, storeOutage);
    if (api.code === 'PAYLOAD_TOO_LARGE' && (err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // refused unread: read the rest first (bounded), so the client is still listening for this answer
      if (!(await drainRequest(req.raw))) reply.header('connection', 'close');
    }
    return reply.status(api.status).send(api.toJSON());
  });
  // the built UI (ui/dist); without it, `/` answers the plain page of home-page.ts
  const uiDir = opts.headless ? undefined : (opts.uiDir ?? findUiDist());
  app.setNotFoundHandler((req, reply) => {
    if (uiDir && isPageRequest(req)) return sendIndexHtml(reply);
    const e = new ApiError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    return reply.status(404).send(e.toJSON());
  });

  for (const op of operations) mount(app, ctx, op);
  if (ctx.config.channel) attachChannel(app, ctx, storeOutage);

  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: 200 while the process answers; says whether the store answers (readiness is /readyz)',
        tags: ['system'],
      },
    },
    async () => {
      // in a cluster: whether this server is the one firing timers and schedules
      const cluster = ctx.cluster ? { cluster: { serverId: ctx.cluster.serverId, leader: ctx.cluster.isLeader } } : {};
      try {
        await ctx.store.ping();
        return { status: 'ok', store: ctx.store.dialect, storeReachable: true, ...cluster };
      } catch (e) {
        // a store outage is not a reason to restart the server: it reconnects by itself (readyz says not ready)
        const error = { code: 'STORE_UNAVAILABLE', message: String((e as Error).message) };
        return { status: 'ok', store: ctx.store.dialect, storeReachable: false, error, ...cluster };
      }
    },
  );
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: 200 when the store answers and is migrated, and the server is not stopping',
        tags: ['system'],
      },
    },
    async (_req, reply) => {
      if (ctx.shutdown.signal.aborted)
        return reply
          .status(503)
          .send({ status: 'stopping', ...new ApiError('SHUTTING_DOWN', 'the server is stopping').toJSON() });
      try {
        await ctx.store.ready();
        return { status: 'ready', store: ctx.store.dialect };
      } catch (e) {
        const err = new ApiError('STORE_UNAVAILABLE', `the store is not ready: ${(e as Error).message}`);
        return reply.status(503).send({ status: 'unavailable', ...err.toJSON() });
      }
    },
  );
  // with API keys: the API's description needs a key, the metrics (every namespace's) a key for all of them
  const anyKey = keyCheck(ctx, false);
  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true }, preHandler: anyKey }, async () => app.swagger());
  app.get(
    '/metrics',
    {
      schema: { summary: 'Prometheus metrics (text exposition format; see docs/monitoring.md)', tags: ['system'] },
      preHandler: keyCheck(ctx, true),
    },
    async (_req, reply) => {
      const { contentType, body } = await ctx.metrics.scrape();
      return reply.type(contentType).send(body);
    },
  );
  if (uiDir) await registerWebUi(app, uiDir);
  else if (!opts.headless)
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(renderHomePage(opts.version)),
    );
  return app;
}

function mount(app: FastifyInstance, ctx: ServerContext, op: Operation): void {
  const schema: Record<string, unknown> = { summary: op.summary, tags: op.tags, operationId: op.id };
  if (op.params) schema.params = op.params;
  if (op.query) schema.querystring = op.query;
  if (op.body) schema.body = op.body;
  app.route({
    method: op.method,
    url: `${API_PREFIX}${op.path}`,
    schema,
    ...(op.bodyLimit ? { bodyLimit: op.bodyLimit(ctx) } : {}),
    handler: async (req, reply) => {
      const identity = req.headers['x-weft-identity'];
      const result = await serveOperation(ctx, op, {
        authorization: req.headers.authorization,
        identity: typeof identity === 'string' ? identity : undefined,
        params: req.params,
        query: req.query,
        body: req.body,
        signal: op.longPoll ? abortOnHangUp(reply) : NEVER_ABORTED,
      });
      // the caller hung up meanwhile: nobody reads the answer
      if (reply.raw.destroyed) undelivered(ctx, result);
      return result;
    },
  });
}

/** A route's key check when the server requires API keys (any role; `everyNamespace`: a key for '*'). */
function keyCheck(ctx: ServerContext, everyNamespace: boolean): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    if (!ctx.callers) return;
    const caller = await ctx.callers.authenticate(req.headers.authorization);
    if (everyNamespace && !mayUseNamespace(caller, '*'))
      throw new ApiError('PERMISSION_DENIED', "the metrics cover every namespace: they need a key for '*'");
  };
}
