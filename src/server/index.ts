/** `weft/server`: run the Weft server inside your own process. */
export { startServer, type StartServerOptions, type WeftServer } from './server.js';
export type { ServerConfig } from './config.js';
export type { LogLevel } from '../common/logger.js';
export type { ServerTlsOptions } from '../common/tls-config.js';
export type { StaticApiKey } from './tenancy/callers.js';
