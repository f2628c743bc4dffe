/**
 * proxySinks (Temporal's): hand data out of the workflow to functions the worker injects (`Worker.create({
 * sinks })`). A call is recorded during the activation and made by the worker after it; during replay it is
 * not made again (unless the injected function asks for `callDuringReplay`). Arguments must be JSON values.
 */
import { currentActivator } from './internal/current.js';

export type Sink = Record<string, (...args: never[]) => void>;
export type Sinks = Record<string, Sink>;

export function proxySinks<T extends Sinks>(): T {
  return new Proxy({} as T, {
    get(_, ifaceName) {
      if (typeof ifaceName !== 'string') return undefined;
      return new Proxy(
        {},
        {
          get(__, fnName) {
            if (typeof fnName !== 'string') return undefined;
            return (...args: unknown[]) => currentActivator().addSinkCall(ifaceName, fnName, args);
          },
        },
      );
    },
  });
}
