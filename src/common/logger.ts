/** Structured logs (pino): one JSON object per line on stderr, or silence in tests. */
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export function createLogger(level: LogLevel = 'info', name = 'weft-server'): PinoLogger {
  return pino({ level, base: { svc: name } }, pino.destination({ fd: 2, sync: false }));
}
