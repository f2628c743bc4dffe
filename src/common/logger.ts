/**
 * Structured logs (pino) on stderr: one JSON object per line (for machines and log shippers), or readable lines
 * (pino-pretty) for a person at a terminal; `format` unset picks pretty on a terminal and JSON otherwise.
 */
import { createRequire } from 'node:module';
import { pino, type Logger as PinoLogger } from 'pino';
import type PinoPretty from 'pino-pretty';

/** pino-pretty (and its colour and date helpers) is loaded only for a logger that prints readable lines. */
const loadPretty = (): typeof PinoPretty => createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFormat = 'json' | 'pretty';

export function createLogger(level: LogLevel = 'info', name = 'weft-server', format?: LogFormat): PinoLogger {
  const usePretty = (format ?? (process.stderr.isTTY ? 'pretty' : 'json')) === 'pretty';
  const destination = usePretty
    ? loadPretty()({
        destination: 2,
        sync: true,
        colorize: process.stderr.isTTY === true,
        translateTime: 'SYS:HH:MM:ss.l',
      })
    : pino.destination({ fd: 2, sync: false });
  return pino({ level, base: { svc: name } }, destination);
}
