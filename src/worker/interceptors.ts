/**
 * Worker interceptors (Temporal's `@temporalio/worker` interceptors): activity interceptors made per attempt
 * from the activity's Context, and the workflow interceptor modules bundled into the sandbox. Also the
 * worker's injected sinks, through which workflow code hands data out (spans, metrics) without side effects
 * on replay.
 */
import type { Context as ActivityContext } from '../activity/context.js';
import { composeInterceptors, type Headers, type Next } from '../common/interceptors.js';
import type { Logger } from '../common/logger.js';
import type { WorkflowInfo } from '../workflow/types.js';
import type { SinkCall } from '../workflow/internal/activation.js';

export type { Headers, Next };

export type ActivityInterceptorsFactory = (ctx: ActivityContext) => ActivityInterceptors;

export interface ActivityInterceptors {
  inbound?: ActivityInboundCallsInterceptor;
  outbound?: ActivityOutboundCallsInterceptor;
}

export interface ActivityInboundCallsInterceptor {
  execute?: (input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) => Promise<unknown>;
}

export interface ActivityExecuteInput {
  readonly args: unknown[];
  readonly headers: Headers;
}

export interface ActivityOutboundCallsInterceptor {
  getLogAttributes?: (
    input: GetLogAttributesInput,
    next: Next<ActivityOutboundCallsInterceptor, 'getLogAttributes'>,
  ) => Record<string, unknown>;
}

export type GetLogAttributesInput = Record<string, unknown>;

/** Deprecated in Temporal in favour of `activity`; still accepted. */
export type ActivityInboundCallsInterceptorFactory = (ctx: ActivityContext) => ActivityInboundCallsInterceptor;

export interface WorkerInterceptors {
  /** Made for every activity attempt (local activities too), outermost first. */
  activity?: ActivityInterceptorsFactory[];
  activityInbound?: ActivityInboundCallsInterceptorFactory[];
  /** Modules bundled with the workflows; each exports `interceptors: WorkflowInterceptorsFactory`. */
  workflowModules?: string[];
}

/** Runs an activity attempt through the inbound interceptors the factories make for its context. */
export function executeActivityIntercepted(
  interceptors: WorkerInterceptors | undefined,
  ctx: ActivityContext,
  args: unknown[],
  headers: Headers,
  fn: (...args: unknown[]) => unknown,
): Promise<unknown> {
  const inbound: ActivityInboundCallsInterceptor[] = [
    ...(interceptors?.activityInbound ?? []).map((f) => f(ctx)),
    ...(interceptors?.activity ?? []).flatMap((f) => {
      const made = f(ctx).inbound;
      return made ? [made] : [];
    }),
  ];
  if (inbound.length === 0) return Promise.resolve().then(() => fn(...args));
  const execute = composeInterceptors(inbound, 'execute', async (input) => fn(...input.args));
  return execute({ args, headers });
}

// ---- sinks ----

/** A workflow-side sink interface: functions that return nothing (`proxySinks<MySinks>()` in workflow code). */
export type Sink = Record<string, (...args: never[]) => void>;
export type Sinks = Record<string, Sink>;

export interface InjectedSinkFunction<F extends (...args: never[]) => void> {
  fn(info: WorkflowInfo, ...args: Parameters<F>): void | Promise<void>;
  /** Also called while the workflow replays (default false: each call is made once, when it first happens). */
  callDuringReplay?: boolean;
}

export type InjectedSink<T extends Sink> = { [F in keyof T]: InjectedSinkFunction<T[F]> };
export type InjectedSinks<T extends Sinks> = { [I in keyof T]: InjectedSink<T[I]> };

/** Makes the sink calls of an activation, in order; a failing sink is logged, never fails the workflow. */
export function callSinks(
  sinks: InjectedSinks<Sinks> | undefined,
  calls: readonly SinkCall[] | undefined,
  log: Logger,
): void {
  if (!sinks || !calls) return;
  for (const call of calls) {
    const iface = sinks[call.ifaceName] as
      | Record<string, { fn: (info: WorkflowInfo, ...args: unknown[]) => unknown; callDuringReplay?: boolean }>
      | undefined;
    const f = iface?.[call.fnName];
    if (!f || (call.isReplaying && !f.callDuringReplay)) continue;
    try {
      const r = f.fn(call.info, ...call.args) as Promise<void> | undefined;
      if (r && typeof r.then === 'function')
        r.then(undefined, (err: unknown) => log.warn({ err, sink: `${call.ifaceName}.${call.fnName}` }, 'sink failed'));
    } catch (err) {
      log.warn({ err, sink: `${call.ifaceName}.${call.fnName}` }, 'sink failed');
    }
  }
}
