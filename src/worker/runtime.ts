/**
 * Temporal's `Runtime` (process-wide worker settings: the logger workers and activities log to), its logging
 * helpers and `NativeConnection`, so worker set-up code written for Temporal runs unchanged. Weft has no native
 * core: `telemetryOptions` are accepted and only the logger is used; `NativeConnection` is Weft's `Connection`.
 */
import { IllegalStateError } from '../common/errors.js';
import { createLogger, type Logger as WeftLogger } from '../common/logger.js';
import { isWeftLogger, weftLoggerOver, type LogLevel, type Logger } from '../common/temporal-logger.js';

export interface RuntimeOptions {
  /** Where workers (and their workflows' and activities' `log`) write; default Weft's structured log on stderr. */
  logger?: Logger;
  /** Temporal's core telemetry settings: accepted for portability; Weft has no native core to configure. */
  telemetryOptions?: unknown;
  /** Signals that shut workers down (Weft workers handle SIGINT and SIGTERM; see WorkerOptions.handleSignals). */
  shutdownSignals?: NodeJS.Signals[];
}

// Thrown when the Runtime is installed twice, or after a worker already made it (as Temporal's).
export { IllegalStateError };

let installed: Runtime | undefined;
let instantiatedBy: 'install' | 'instance' | undefined;

export class Runtime {
  /** The Temporal-style logger, when one was installed. */
  readonly logger: Logger | undefined;
  /** The logger workers use: Weft's structured log, or the installed logger. */
  readonly workerLogger: WeftLogger;

  private constructor(readonly options: RuntimeOptions) {
    this.logger = options.logger;
    this.workerLogger = options.logger
      ? isWeftLogger(options.logger as Logger | WeftLogger)
        ? (options.logger as unknown as WeftLogger)
        : weftLoggerOver(options.logger, { sdkComponent: 'worker' })
      : createLogger('info', 'weft-worker');
  }

  /** Sets the process's runtime once, before any worker is created (a second call throws IllegalStateError). */
  static install(options: RuntimeOptions): Runtime {
    if (installed)
      throw new IllegalStateError(
        instantiatedBy === 'install'
          ? 'Runtime singleton has already been installed'
          : 'Runtime singleton has already been instantiated. Did you start a Worker before calling `install`?',
      );
    installed = new Runtime(options);
    instantiatedBy = 'install';
    return installed;
  }

  /** The process's runtime, made with the defaults if none was installed. */
  static instance(): Runtime {
    if (!installed) {
      installed = new Runtime({});
      instantiatedBy = 'instance';
    }
    return installed;
  }
}

/** Temporal's filter string for its native core's logs (Weft has none; kept for code that builds one). */
export function makeTelemetryFilterString(options: { core: LogLevel; other?: LogLevel }): string {
  const { core, other } = options;
  return `${other ?? 'ERROR'},temporalio_sdk_core=${core},temporalio_client=${core},temporalio_common=${core}`;
}

export { Connection as NativeConnection } from '../client/connection.js';
export type { ConnectionOptions as NativeConnectionOptions } from '../client/connection.js';
