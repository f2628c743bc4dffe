/**
 * A promise rejected inside a workflow sandbox and never handled must not crash the worker process (Node's
 * default for unhandled rejections). Those are logged; any other unhandled rejection keeps Node's behaviour.
 */
import type { Logger } from '../common/logger.js';

let installed = false;

export function installUnhandledRejectionGuard(log: Logger): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason, promise) => {
    // a promise from a vm context has that context's Promise.prototype, not ours
    if (Object.getPrototypeOf(promise) !== Promise.prototype) {
      log.warn(
        { error: reason instanceof Error ? reason.message : String(reason) },
        'unhandled promise rejection in workflow code',
      );
      return;
    }
    process.nextTick(() => {
      throw reason;
    });
  });
}
