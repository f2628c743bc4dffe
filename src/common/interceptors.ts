/**
 * What every kind of interceptor shares (Temporal's `@temporalio/common` interceptors): headers, the `next`
 * type and composition. Runs in the workflow sandbox too: no Node-only imports.
 */

/** Context carried along with a call (a trace context, a tenant id): one JSON value per key. */
export type Headers = Record<string, unknown>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunc = (...args: any[]) => any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type OmitLast<T> = T extends [...infer Rest, any] ? Rest : never;
type OmitLastParam<F extends AnyFunc> = (...args: OmitLast<Parameters<F>>) => ReturnType<F>;

/** The `next` an interceptor method gets: the same method without its own `next` parameter. */
export type Next<IF, FN extends keyof IF> = Required<IF>[FN] extends AnyFunc ? OmitLastParam<Required<IF>[FN]> : never;

/**
 * Chains the `method` of each interceptor around `next`: the first interceptor is the outermost, each calls
 * the one after it through its `next`, and the last calls `next` itself.
 */
export function composeInterceptors<I, M extends keyof I>(interceptors: I[], method: M, next: Next<I, M>): Next<I, M> {
  let composed = next as AnyFunc;
  for (let i = interceptors.length - 1; i >= 0; i--) {
    const interceptor = interceptors[i];
    const fn = interceptor?.[method] as AnyFunc | undefined;
    if (fn === undefined) continue;
    const inner = composed;
    composed = (input: unknown) => fn.call(interceptor, input, inner) as unknown;
  }
  return composed as Next<I, M>;
}
