/**
 * Workers that take eagerly started workflows (Temporal's eager workflow start): a worker running in this
 * process registers itself on its Connection; a client start with `requestEagerStart` on the same connection
 * reserves a free workflow task slot of a worker of that namespace and task queue, asks the server to start
 * the first workflow task for it, and hands the task from the answer straight to that worker.
 */
import type { WorkflowTask } from '../protocol/tasks.js';
import type { Connection } from './connection.js';

export interface EagerWorkflowTarget {
  readonly identity: string;
  readonly namespace: string;
  readonly taskQueue: string;
  /** Takes one free workflow task slot; false when none is free (or the worker is stopping). */
  reserveSlot(): boolean;
  /** Gives back a reserved slot the server did not use. */
  releaseSlot(): void;
  /** Runs a workflow task in a reserved slot. */
  runEager(task: WorkflowTask): void;
}

const registry = new WeakMap<Connection, Set<EagerWorkflowTarget>>();

export function registerEagerTarget(connection: Connection, target: EagerWorkflowTarget): () => void {
  let set = registry.get(connection);
  if (!set) {
    set = new Set();
    registry.set(connection, set);
  }
  set.add(target);
  return () => set.delete(target);
}

/** A worker of `namespace`/`taskQueue` on this connection, with a slot reserved for the caller. */
export function reserveEagerTarget(
  connection: Connection,
  namespace: string,
  taskQueue: string,
): EagerWorkflowTarget | undefined {
  for (const t of registry.get(connection) ?? [])
    if (t.namespace === namespace && t.taskQueue === taskQueue && t.reserveSlot()) return t;
  return undefined;
}
