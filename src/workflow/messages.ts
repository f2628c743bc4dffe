/**
 * Signals, queries and updates: defined once (usually in a module both the workflow and its clients import) and
 * handled inside the workflow with setHandler. Names follow Temporal's TypeScript SDK.
 */
import { currentActivator } from './internal/current.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface SignalDefinition<Args extends any[] = []> {
  type: 'signal';
  name: string;
  /** Type carrier only. */
  __args?: Args;
}
export interface QueryDefinition<Ret, Args extends any[] = []> {
  type: 'query';
  name: string;
  __args?: Args;
  __ret?: Ret;
}
export interface UpdateDefinition<Ret, Args extends any[] = []> {
  type: 'update';
  name: string;
  __args?: Args;
  __ret?: Ret;
}

export function defineSignal<Args extends any[] = []>(name: string): SignalDefinition<Args> {
  return { type: 'signal', name };
}
export function defineQuery<Ret, Args extends any[] = []>(name: string): QueryDefinition<Ret, Args> {
  return { type: 'query', name };
}
export function defineUpdate<Ret, Args extends any[] = []>(name: string): UpdateDefinition<Ret, Args> {
  return { type: 'update', name };
}

export type Handler<D> =
  D extends SignalDefinition<infer A>
    ? (...args: A) => void | Promise<void>
    : D extends QueryDefinition<infer R, infer A>
      ? (...args: A) => R
      : D extends UpdateDefinition<infer R, infer A>
        ? (...args: A) => R | Promise<R>
        : never;

/**
 * Temporal's policy for a signal or update handler still running when the workflow completes. Weft accepts it
 * (handlers may be left unfinished either way) but does not log Temporal's warning for WARN_AND_ABANDON.
 */
export const HandlerUnfinishedPolicy = {
  WARN_AND_ABANDON: 'WARN_AND_ABANDON',
  ABANDON: 'ABANDON',
} as const;
export type HandlerUnfinishedPolicy = (typeof HandlerUnfinishedPolicy)[keyof typeof HandlerUnfinishedPolicy];

/** Temporal's signal handler options: `description` is for people (Weft keeps it nowhere yet). */
export interface SignalHandlerOptions {
  description?: string;
  unfinishedPolicy?: HandlerUnfinishedPolicy;
}

/** Temporal's query handler options. */
export interface QueryHandlerOptions {
  description?: string;
}

export interface UpdateHandlerOptions<Args extends any[]> {
  /** Runs before the update is accepted; throwing rejects it and nothing is recorded in history. */
  validator?: (...args: Args) => void;
  description?: string;
  unfinishedPolicy?: HandlerUnfinishedPolicy;
}

/** Temporal's default signal handler: gets the signal's name, then its arguments. */
export type DefaultSignalHandler = (signalName: string, ...args: any[]) => void | Promise<void>;
/** Temporal's default query handler: gets the query's name, then its arguments; synchronous. */
export type DefaultQueryHandler = (queryName: string, ...args: any[]) => unknown;

/**
 * Handles signals that have no handler of their own (Temporal's): those that arrived before are delivered to it
 * now, in order. undefined removes it (later such signals wait for a handler again).
 */
export function setDefaultSignalHandler(handler: DefaultSignalHandler | undefined): void {
  currentActivator().setDefaultSignalHandler(handler as ((name: string, ...args: unknown[]) => unknown) | undefined);
}

/** Temporal's default update handler: gets the update's name, then its arguments. */
export type DefaultUpdateHandler = (updateName: string, ...args: any[]) => unknown;

/**
 * Takes the updates that have no handler of their own (Temporal's); it has no validator, so they are accepted.
 * undefined removes it (such updates are rejected again, `UpdateNotRegistered`).
 */
export function setDefaultUpdateHandler(handler: DefaultUpdateHandler | undefined): void {
  if (handler !== undefined && typeof handler !== 'function')
    throw new TypeError(`setDefaultUpdateHandler takes a function or undefined, got ${typeof handler}`);
  currentActivator().setDefaultUpdateHandler(handler as ((name: string, ...args: unknown[]) => unknown) | undefined);
}

/** Answers queries that have no handler of their own (Temporal's); undefined removes it. */
export function setDefaultQueryHandler(handler: DefaultQueryHandler | undefined): void {
  currentActivator().setDefaultQueryHandler(handler as ((name: string, ...args: unknown[]) => unknown) | undefined);
}

/**
 * Whether every signal and update handler that started has finished (Temporal's): `await
 * condition(allHandlersFinished)` before returning, so no handler is cut off by the workflow's end.
 */
export function allHandlersFinished(): boolean {
  return currentActivator().allHandlersFinished;
}

/**
 * Sets (or, with undefined, removes) the handler of a signal, query or update. Signals that arrived before
 * their handler was set are delivered, in order, when it is.
 */
export function setHandler<D extends SignalDefinition<any> | QueryDefinition<any, any> | UpdateDefinition<any, any>>(
  def: D,
  handler: Handler<D> | undefined,
  options?: D extends UpdateDefinition<any, infer A>
    ? UpdateHandlerOptions<A>
    : D extends SignalDefinition<any>
      ? SignalHandlerOptions
      : QueryHandlerOptions,
): void {
  const a = currentActivator();
  const fn = handler as ((...args: unknown[]) => unknown) | undefined;
  a.describeHandler(
    def.type,
    def.name,
    fn ? (options as { description?: string } | undefined)?.description : undefined,
  );
  if (def.type === 'signal') a.setSignalHandler(def.name, fn);
  else if (def.type === 'query') a.setQueryHandler(def.name, fn);
  else a.setUpdateHandler(def.name, fn, (options as UpdateHandlerOptions<unknown[]> | undefined)?.validator);
}
/* eslint-enable @typescript-eslint/no-explicit-any */
