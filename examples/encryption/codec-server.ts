// The codec server for the web UI and the CLI (`--codec-endpoint http://127.0.0.1:8888`): it decrypts payloads
// for display. Only this machine can reach it; the web UI at http://127.0.0.1:7411 may call it from the browser.
import { startCodecServer } from 'weft/codec-server';
import { dataConverter } from './keys.js';

const server = await startCodecServer({
  codecs: dataConverter.payloadCodecs,
  port: Number(process.env['CODEC_PORT'] ?? 8888),
  allowedOrigins: ['http://127.0.0.1:7411', 'http://localhost:7411'],
});
console.log(`codec server on ${server.address} (POST /encode, POST /decode)`);
process.on('SIGINT', () => void server.stop().then(() => process.exit(0)));
