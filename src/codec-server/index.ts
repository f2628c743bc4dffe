/**
 * `weft/codec-server`: serve your payload codecs over HTTP for the web UI and the CLI (`--codec-endpoint`), as
 * Temporal's codec server does, and a codec that calls such a server. See docs/encryption.md.
 */
export { createCodecHandler, type CodecHandlerOptions, type CodecRequestInfo } from './handler.js';
export { startCodecServer, type CodecServerOptions, type CodecServer } from './start.js';
export { RemotePayloadCodec, type RemotePayloadCodecOptions } from './remote-codec.js';
export type { Payload, PayloadCodec, DataConverter } from '../common/payload-codec.js';
