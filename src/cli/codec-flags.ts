/**
 * `--codec-endpoint URL` (and `--codec-auth`), as Temporal's CLI has them: payloads are decoded for display by a
 * codec server (`weft/codec-server`), and arguments the command sends are encoded by it. The CLI never holds the
 * keys; the codec server decides who may see what (docs/encryption.md).
 */
import { Option, type Command } from 'commander';
import type { ClientOptions } from '../client/client.js';
import { RemotePayloadCodec } from '../codec-server/remote-codec.js';
import { transcode } from '../common/payload-batch.js';
import { codecsOf } from '../common/payload-codec.js';
import type { History } from '../protocol/events.js';
import { eventsIn } from '../protocol/payload-fields.js';
import { CliError } from './output.js';

export interface CodecFlags {
  namespace: string;
  codecEndpoint?: string;
  codecAuth?: string;
}

export function addCodecOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--codec-endpoint <url>',
        'codec server: show payloads decoded by it, send arguments encoded by it (docs/encryption.md)',
      ).env('WEFT_CODEC_ENDPOINT'),
    )
    .addOption(
      new Option('--codec-auth <value>', 'Authorization header sent to the codec server').env('WEFT_CODEC_AUTH'),
    );
}

/** The client options the flags ask for: a data converter calling the codec server, or none. */
export function codecClientOptions(o: CodecFlags): Pick<ClientOptions, 'dataConverter'> {
  if (o.codecEndpoint === undefined) return {};
  let url: URL;
  try {
    url = new URL(o.codecEndpoint);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(
      `--codec-endpoint ${o.codecEndpoint}: give the codec server's http:// or https:// URL`,
      'INVALID_ARGUMENT',
    );
  const codec = new RemotePayloadCodec({
    endpoint: o.codecEndpoint,
    namespace: o.namespace,
    ...(o.codecAuth !== undefined ? { headers: { authorization: o.codecAuth } } : {}),
  });
  return { dataConverter: { payloadCodecs: [codec] } };
}

/** The history with its payloads decoded, when the flags name a codec server (as it is otherwise). */
export async function decodedHistory(history: History, opts: Pick<ClientOptions, 'dataConverter'>): Promise<History> {
  const codecs = codecsOf(opts.dataConverter);
  return codecs ? transcode('decode', codecs, history, eventsIn('events')) : history;
}
