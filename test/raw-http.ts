/**
 * HTTP/1.1 on a raw socket, for requests no HTTP client sends (oversized or broken headers, bad URLs) and for
 * checking the framing of the answers: a status line, headers, exactly Content-Length bytes of body (none for
 * HEAD), and whether the server said `Connection: close` before closing.
 */
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  responses: RawResponse[];
  /** The server closed the connection (after the last response, or before one came). */
  closed: boolean;
  /** Bytes that arrived beyond the framed responses (a body on a HEAD answer, a length that lied). */
  extra: string;
}

/** A request as text; `\n` line ends are sent as CRLF. */
export function rawRequest(method: string, target: string, headers: Record<string, string> = {}, body = ''): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function parseOne(buf: Buffer, head: boolean): { response: RawResponse; used: number } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...headerLines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const l of headerLines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const bodless = head || status === 204 || status === 304;
  if (!bodless && /chunked/i.test(headers['transfer-encoding'] ?? ''))
    return parseChunked(buf, end + 4, status, headers);
  const length = bodless ? 0 : Number(headers['content-length'] ?? 0);
  if (buf.length < end + 4 + length) return undefined;
  return {
    response: { status, headers, body: buf.subarray(end + 4, end + 4 + length).toString('utf8') },
    used: end + 4 + length,
  };
}

/** A chunked body from `at`: the answer once its last chunk (and trailer) has arrived. */
function parseChunked(
  buf: Buffer,
  at: number,
  status: number,
  headers: Record<string, string>,
): { response: RawResponse; used: number } | undefined {
  const parts: Buffer[] = [];
  for (let i = at; ;) {
    const eol = buf.indexOf('\r\n', i);
    if (eol < 0) return undefined;
    const size = parseInt(buf.subarray(i, eol).toString('latin1'), 16);
    if (!Number.isFinite(size)) return undefined;
    if (size === 0) {
      const trailerEnd = buf.indexOf('\r\n\r\n', eol);
      if (trailerEnd < 0) return undefined;
      return { response: { status, headers, body: Buffer.concat(parts).toString('utf8') }, used: trailerEnd + 4 };
    }
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
}

/**
 * Sends each request on one connection, waiting for the answer to the one before. Stops at the first request
 * that gets no answer (the connection closed) or after `timeoutMs` in all.
 */
export function exchange(port: number, requests: Array<string | Buffer>, timeoutMs = 10_000): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const responses: RawResponse[] = [];
    let buf = Buffer.alloc(0);
    let closed = false;
    let next = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms (got ${responses.length} of ${requests.length})`));
    }, timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses, closed, extra: buf.toString('latin1') });
    };
    const send = (): void => {
      if (next >= requests.length) return finish();
      socket.write(requests[next]!);
    };
    const head = (i: number): boolean => String(requests[i]).startsWith('HEAD ');
    socket.on('connect', send);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (let r = parseOne(buf, head(next)); r; r = parseOne(buf, head(next))) {
        responses.push(r.response);
        buf = buf.subarray(r.used);
        next++;
        if (next >= requests.length) {
          // wait a moment for stray bytes or the close that should follow
          setTimeout(finish, 50);
          return;
        }
        send();
      }
    });
    socket.on('error', () => {
      closed = true;
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
  });
}

export interface RawSendResult {
  /** Every answer, in order (a request followed by garbage may get two). */
  responses: RawResponse[];
  /** Bytes after the last complete answer (a body on a HEAD answer, a torn answer). */
  extra: string;
  timedOut: boolean;
}

/**
 * Writes `bytes` on a new connection and reads the answers: until the server closes, or until a complete answer
 * has been followed by 100 ms of quiet (a kept-alive connection), or `timeoutMs`. `head`: the first request is
 * a HEAD (its answer has no body). `halfClose`: end the sending side after the bytes (a request cut short).
 */
export function rawSend(
  port: number,
  bytes: string,
  opts: { head?: boolean; halfClose?: boolean; timeoutMs?: number; ca?: string } = {},
): Promise<RawSendResult> {
  return new Promise((resolve) => {
    // over TLS (a server with --tls-cert) when given the CA its certificate chains to
    const socket = opts.ca
      ? tlsConnect({ port, host: '127.0.0.1', ca: opts.ca, servername: 'localhost' })
      : connect(port, '127.0.0.1');
    const responses: RawResponse[] = [];
    let buf = Buffer.alloc(0);
    let timedOut = false;
    let quiet: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = responses.length === 0;
      socket.destroy();
    }, opts.timeoutMs ?? 10_000);
    const parse = (): void => {
      for (let r = parseOne(buf, responses.length === 0 && !!opts.head); r;) {
        responses.push(r.response);
        buf = buf.subarray(r.used);
        r = parseOne(buf, false);
      }
    };
    socket.on(opts.ca ? 'secureConnect' : 'connect', () => {
      const data = Buffer.from(bytes, 'utf8'); // as Content-Length counts a body
      if (opts.halfClose) socket.end(data);
      else socket.write(data);
    });
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      parse();
      clearTimeout(quiet);
      if (responses.length > 0 && buf.length === 0) quiet = setTimeout(() => socket.destroy(), 100);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      clearTimeout(quiet);
      parse();
      resolve({ responses, extra: buf.toString('latin1'), timedOut });
    });
  });
}
