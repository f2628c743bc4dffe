/**
 * Temporal's logger interface (`@temporalio/common`'s `Logger`: `log(level, message, meta)` and one method per
 * level), `DefaultLogger`, and the adapters between it and Weft's own structured logger (pino: `info(meta, msg)`).
 * Activity `log`, `Context.log` and `Runtime.install({ logger })` use these shapes, so Temporal code and loggers
 * written for Temporal work unchanged.
 */
import { formatWithOptions } from 'node:util';
import type { Logger as WeftLogger } from './logger.js';

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LogMetadata = Record<string | symbol, any>;

export interface Logger {
  log(level: LogLevel, message: string, meta?: LogMetadata): unknown;
  trace(message: string, meta?: LogMetadata): unknown;
  debug(message: string, meta?: LogMetadata): unknown;
  info(message: string, meta?: LogMetadata): unknown;
  warn(message: string, meta?: LogMetadata): unknown;
  error(message: string, meta?: LogMetadata): unknown;
}

export interface LogEntry {
  message: string;
  level: LogLevel;
  /** Time since the epoch, in nanoseconds. */
  timestampNanos: bigint;
  meta?: LogMetadata;
}

const SEVERITIES: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
const format = formatWithOptions.bind(undefined, { colors: process.stderr.isTTY === true });

function writeToStderr(entry: LogEntry): void {
  const date = new Date(Number(entry.timestampNanos / 1_000_000n));
  const meta = entry.meta === undefined ? '' : ` ${format(entry.meta)}`;
  process.stderr.write(`${format(date)} [${entry.level}] ${entry.message}${meta}\n`);
}

/** Logs entries at `level` and above to `logFunction` (default: one line each on stderr), as Temporal's. */
export class DefaultLogger implements Logger {
  private readonly severity: number;

  constructor(
    readonly level: LogLevel = 'INFO',
    protected readonly logFunction: (entry: LogEntry) => void = writeToStderr,
  ) {
    this.severity = SEVERITIES.indexOf(level);
    if (this.severity < 0) throw new TypeError(`DefaultLogger: unknown log level ${String(level)}`);
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (SEVERITIES.indexOf(level) < this.severity) return;
    const rest = meta === undefined || Object.keys(meta).length === 0 ? undefined : meta;
    this.logFunction({
      level,
      message,
      timestampNanos: BigInt(Date.now()) * 1_000_000n,
      ...(rest ? { meta: rest } : {}),
    });
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** A Temporal-style logger writing to Weft's logger, every line carrying `bindings`. */
export function temporalLoggerOver(log: WeftLogger, bindings: LogMetadata = {}): Logger {
  const at = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    const fields = { ...bindings, ...meta };
    if (level === 'ERROR') log.error(fields, message);
    else if (level === 'WARN') log.warn(fields, message);
    else if (level === 'INFO') log.info(fields, message);
    else log.debug(fields, message);
  };
  return {
    log: at,
    trace: (m, meta) => at('TRACE', m, meta),
    debug: (m, meta) => at('DEBUG', m, meta),
    info: (m, meta) => at('INFO', m, meta),
    warn: (m, meta) => at('WARN', m, meta),
    error: (m, meta) => at('ERROR', m, meta),
  };
}

/** Weft's logger shape (`info(meta, msg)`, `child`) over a Temporal-style logger. */
export function weftLoggerOver(target: Logger, bindings: LogMetadata = {}): WeftLogger {
  const at =
    (level: LogLevel) =>
    (first: unknown, second?: unknown): void => {
      if (typeof first === 'string') target.log(level, first, { ...bindings });
      else target.log(level, typeof second === 'string' ? second : '', { ...bindings, ...(first as LogMetadata) });
    };
  const logger = {
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
    debug: at('DEBUG'),
    child: (more: LogMetadata) => weftLoggerOver(target, { ...bindings, ...more }),
  };
  return logger as unknown as WeftLogger;
}

/** Whether `l` is Weft's logger (pino: has `child`) rather than a Temporal-style one (has `log`). */
export function isWeftLogger(l: Logger | WeftLogger): l is WeftLogger {
  return typeof (l as WeftLogger).child === 'function';
}
