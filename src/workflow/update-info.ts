/**
 * `currentUpdateInfo()` (Temporal's): the update whose validator or handler the calling code runs in. Each update
 * runs in a cancellation scope of its own (a child of the run's root scope), so the answer follows the handler's
 * async code as the current scope does; code outside any update gets undefined.
 */
import { CancellationScope } from './cancellation-scope.js';
import { currentActivator } from './internal/current.js';

/** Temporal's `UpdateInfo`. */
export interface UpdateInfo {
  /** The update's id, unique within the workflow. */
  readonly id: string;
  /** The update's name. */
  readonly name: string;
}

const updates = new WeakMap<CancellationScope, UpdateInfo>();

/** The scope an update's validator and handler run in. */
export function updateScope(root: CancellationScope, info: UpdateInfo): CancellationScope {
  const scope = new CancellationScope({ parent: root });
  updates.set(scope, Object.freeze({ ...info }));
  return scope;
}

export function currentUpdateInfo(): UpdateInfo | undefined {
  currentActivator(); // outside a workflow: the same error as every other weft/workflow function
  for (let s: CancellationScope | undefined = CancellationScope.current(); s; s = s.parent) {
    const info = updates.get(s);
    if (info) return info;
  }
  return undefined;
}
