/**
 * TLS settings of both sides, checked before a socket opens so that a wrong file fails at once with a message
 * naming it: the server's (`startServer({ tls })`) and the client's (`Connection.connect({ tls })`, in Weft's
 * shape or Temporal's `TLSConfig`). Node-only: `weft/common` (which workflow code may import) does not export it.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';

/** PEM text: a string, or the bytes of a .pem file. */
export type Pem = string | Buffer;

/** A TLS option is missing, contradicts another, or does not parse. */
export class TlsConfigError extends TypeError {
  override readonly name = 'TlsConfigError';
}

export interface ServerTlsOptions {
  /** The server's certificate (PEM; intermediate CA certificates may follow it). */
  cert: Pem;
  /** Its private key (PEM, not encrypted). */
  key: Pem;
  /** CA certificate(s) that sign client certificates: when set, every client must present one (mutual TLS). */
  clientCa?: Pem | Pem[];
}

/**
 * Temporal's `TLSConfig` (`serverRootCACertificate`, `clientCertPair`, `serverNameOverride`) and Weft's shorter
 * names for the same (`ca`, `cert` + `key`, `serverName`); one name of each pair.
 */
export interface TLSConfig {
  /** CA certificate(s) the server's certificate must chain to; replaces the system CAs. */
  ca?: Pem | Pem[];
  /** Client certificate, for a server that requires one (mutual TLS); with `key`. */
  cert?: Pem;
  key?: Pem;
  /** The name the server's certificate must carry, when it is not the address's host. */
  serverName?: string;
  /** Temporal's name for `ca`. */
  serverRootCACertificate?: Pem;
  /** Temporal's name for `cert` and `key`. */
  clientCertPair?: { crt: Pem; key: Pem };
  /** Temporal's name for `serverName`. */
  serverNameOverride?: string;
}

/** What the client's sockets take (undici's `connect` options, Node's `tls.connect` names). */
export interface ClientTlsOptions {
  ca?: Pem[];
  cert?: Pem;
  key?: Pem;
  servername?: string;
}

const TLS_CONFIG_KEYS = new Set([
  'ca',
  'cert',
  'key',
  'serverName',
  'serverRootCACertificate',
  'clientCertPair',
  'serverNameOverride',
]);

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

const isPem = (v: unknown): v is Pem => typeof v === 'string' || Buffer.isBuffer(v);

/** The certificates in `pem` (one or more PEM blocks), each checked to parse. */
function certificates(what: string, pem: unknown): X509Certificate[] {
  if (!isPem(pem)) throw new TlsConfigError(`${what}: expected PEM text (a string or a Buffer)`);
  const blocks = pem.toString('utf8').match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0)
    throw new TlsConfigError(`${what}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)`);
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch (e) {
      throw new TlsConfigError(`${what}: a certificate does not parse: ${(e as Error).message}`);
    }
  });
}

function checkCertificates(what: string, pem: Pem | Pem[]): Pem[] {
  const list = Array.isArray(pem) ? pem : [pem];
  if (list.length === 0) throw new TlsConfigError(`${what}: no certificate given`);
  for (const p of list) certificates(what, p);
  return list;
}

/** Checks that `key` parses and is the key of `cert`'s first certificate. */
function checkKeyPair(certWhat: string, cert: unknown, keyWhat: string, key: unknown): void {
  const [leaf] = certificates(certWhat, cert);
  if (!isPem(key)) throw new TlsConfigError(`${keyWhat}: expected PEM text (a string or a Buffer)`);
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (e) {
    throw new TlsConfigError(
      `${keyWhat}: not a PEM private key, or an encrypted one (unsupported): ${(e as Error).message}`,
    );
  }
  if (privateKey.type !== 'private') throw new TlsConfigError(`${keyWhat}: not a private key`);
  if (!leaf!.checkPrivateKey(privateKey))
    throw new TlsConfigError(`${keyWhat} is not the key of the certificate ${certWhat} (${leaf!.subject})`);
}

/** How errors name an option: `tls.cert` by default; the CLI names its flags and files instead. */
export type OptionNamer = (option: string) => string;

const optionPath: OptionNamer = (option) => `tls.${option}`;

/** Node's https server options for `tls`; throws TlsConfigError when a part is missing or does not parse. */
export function httpsServerOptions(
  tls: ServerTlsOptions,
  name: OptionNamer = optionPath,
): {
  cert: Pem;
  key: Pem;
  ca?: Pem[];
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
} {
  if (typeof tls !== 'object' || tls === null)
    throw new TlsConfigError('tls: expected { cert, key, clientCa? } (PEM strings or Buffers)');
  if (!tls.cert || !tls.key)
    throw new TlsConfigError(`tls: give both the certificate and its key (${tls.cert ? 'no key' : 'no cert'})`);
  checkKeyPair(name('cert'), tls.cert, name('key'), tls.key);
  if (tls.clientCa === undefined) return { cert: tls.cert, key: tls.key };
  const ca = checkCertificates(name('clientCa'), tls.clientCa);
  return { cert: tls.cert, key: tls.key, ca, requestCert: true, rejectUnauthorized: true };
}

function oneOf<T>(weft: string, temporal: string, a: T | undefined, b: T | undefined): T | undefined {
  if (a !== undefined && b !== undefined) throw new TlsConfigError(`tls: give ${weft} or ${temporal}, not both`);
  return a ?? b;
}

/**
 * The client's socket options for `tls` (`true`: the system CAs, nothing else); throws TlsConfigError when an
 * option is unknown, given twice (in both shapes), alone (a cert without its key) or does not parse.
 */
export function clientTlsOptions(tls: TLSConfig | true, name: OptionNamer = optionPath): ClientTlsOptions {
  if (tls === true) return {};
  if (typeof tls !== 'object' || tls === null || Array.isArray(tls))
    throw new TlsConfigError('tls: expected true or { ca?, cert?, key?, serverName? }');
  const unknown = Object.keys(tls).filter((k) => !TLS_CONFIG_KEYS.has(k) && tls[k as keyof TLSConfig] !== undefined);
  if (unknown.length > 0)
    throw new TlsConfigError(
      `tls: unknown option ${unknown.join(', ')} (expected ca, cert, key, serverName, or Temporal's ` +
        'serverRootCACertificate, clientCertPair, serverNameOverride)',
    );
  const ca = oneOf('tls.ca', 'tls.serverRootCACertificate', tls.ca, tls.serverRootCACertificate);
  const servername = oneOf('tls.serverName', 'tls.serverNameOverride', tls.serverName, tls.serverNameOverride);
  const pair = tls.clientCertPair;
  if (pair !== undefined && (tls.cert !== undefined || tls.key !== undefined))
    throw new TlsConfigError('tls: give cert and key, or clientCertPair, not both');
  if (pair !== undefined && (typeof pair !== 'object' || pair === null || !pair.crt || !pair.key))
    throw new TlsConfigError('tls.clientCertPair: expected { crt, key } (PEM strings or Buffers)');
  const cert = pair ? pair.crt : tls.cert;
  const key = pair ? pair.key : tls.key;
  if ((cert === undefined) !== (key === undefined))
    throw new TlsConfigError(`tls: a client certificate needs its key (${cert === undefined ? 'no cert' : 'no key'})`);
  if (cert !== undefined)
    checkKeyPair(name(pair ? 'clientCertPair.crt' : 'cert'), cert, name(pair ? 'clientCertPair.key' : 'key'), key);
  if (servername !== undefined && (typeof servername !== 'string' || servername === ''))
    throw new TlsConfigError(`${name('serverName')}: expected a host name`);
  const caName = name(tls.ca !== undefined ? 'ca' : 'serverRootCACertificate');
  return {
    ...(ca !== undefined ? { ca: checkCertificates(caName, ca) } : {}),
    ...(cert !== undefined ? { cert, key: key! } : {}),
    ...(servername !== undefined ? { servername } : {}),
  };
}
