/**
 * Temporal's `WorkerOptions` fields that Weft's own options lack, and their checks. Some are implemented (rate
 * limits, local activity slots, polls per kind, `enableNonLocalActivities`, a fixed-size `tuner`,
 * `bundlerOptions.ignoreModules`); the rest are accepted with Temporal's types and have no effect in Weft (the
 * list and the reasons: docs/api.md, "Worker options"). A field that would change what a worker does and that
 * Weft cannot honour (a resource-based tuner, Nexus services, ...) is a TypeError rather than ignored.
 */
import { toMs, type Duration } from '../common/duration.js';

/** Temporal's poller behaviour: a fixed number of polls, or an autoscaling range. */
export type PollerBehavior = PollerBehaviorSimpleMaximum | PollerBehaviorAutoscaling;
export interface PollerBehaviorSimpleMaximum {
  type: 'simple-maximum';
  maximum?: number;
}
export interface PollerBehaviorAutoscaling {
  type: 'autoscaling';
  minimum?: number;
  maximum?: number;
  initial?: number;
}

export interface WorkflowSlotInfo {
  type: 'workflow';
  workflowType: string;
  isSticky: boolean;
}
export interface ActivitySlotInfo {
  type: 'activity';
  activityType: string;
}
export interface LocalActivitySlotInfo {
  type: 'local-activity';
  activityType: string;
}
export interface NexusSlotInfo {
  type: 'nexus';
  service: string;
  operation: string;
}
export type SlotInfo = WorkflowSlotInfo | ActivitySlotInfo | LocalActivitySlotInfo | NexusSlotInfo;
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SlotPermit {}

export interface FixedSizeSlotSupplier {
  type: 'fixed-size';
  numSlots: number;
}
export interface ResourceBasedSlotOptions {
  minimumSlots?: number;
  maximumSlots?: number;
  rampThrottle?: Duration;
}
export interface ResourceBasedTunerOptions {
  targetMemoryUsage: number;
  targetCpuUsage: number;
}
export type ResourceBasedSlotsForType = ResourceBasedSlotOptions & {
  type: 'resource-based';
  tunerOptions: ResourceBasedTunerOptions;
};
/** Temporal's custom slot supplier (its methods are typed loosely here: Weft never calls them). */
export interface CustomSlotSupplier<SI extends SlotInfo> {
  type: 'custom';
  reserveSlot(ctx: unknown, abortSignal: AbortSignal): Promise<SlotPermit>;
  tryReserveSlot(ctx: unknown): SlotPermit | null;
  markSlotUsed(ctx: { slotInfo: SI; permit: SlotPermit }): void;
  releaseSlot(ctx: { slotInfo?: SI; permit: SlotPermit }): void;
}
export type SlotSupplier<SI extends SlotInfo> =
  ResourceBasedSlotsForType | FixedSizeSlotSupplier | CustomSlotSupplier<SI>;
export interface TunerHolder {
  workflowTaskSlotSupplier: SlotSupplier<WorkflowSlotInfo>;
  activityTaskSlotSupplier: SlotSupplier<ActivitySlotInfo>;
  localActivityTaskSlotSupplier: SlotSupplier<LocalActivitySlotInfo>;
  nexusTaskSlotSupplier?: SlotSupplier<NexusSlotInfo>;
}
export interface ResourceBasedTuner {
  tunerOptions: ResourceBasedTunerOptions;
  workflowTaskSlotOptions?: ResourceBasedSlotOptions;
  activityTaskSlotOptions?: ResourceBasedSlotOptions;
  localActivityTaskSlotOptions?: ResourceBasedSlotOptions;
  nexusTaskSlotOptions?: ResourceBasedSlotOptions;
}
export type WorkerTuner = TunerHolder | ResourceBasedTuner;

/** Temporal's `bundlerOptions`. */
export interface BundlerOptions {
  /** Modules left out of the workflow bundle: importing one gives an empty module (they must not be used). */
  ignoreModules?: string[];
  /** Accepted, unused: Weft bundles with esbuild, not webpack. */
  webpackConfigHook?: (config: never) => unknown;
  /** Accepted, unused: Weft evaluates the bundle's modules per run. */
  preloadModules?: string[];
}

/** The fields of Temporal's WorkerOptions that Weft's own WorkerOptions did not have. */
export interface TemporalWorkerOptions {
  /** Starts at most this many activities per second on this worker (not local ones). Positive. */
  maxActivitiesPerSecond?: number;
  /**
   * Activities the server hands out per second on the whole task queue, to all its workers (as Temporal's; the
   * latest activity poll carrying it sets it). Positive.
   */
  maxTaskQueueActivitiesPerSecond?: number;
  /** Local activity attempts running at once on this worker (default 100, as Temporal). */
  maxConcurrentLocalActivityExecutions?: number;
  /** Long polls for workflow tasks at once (default `maxConcurrentPolls`, else 2). */
  maxConcurrentWorkflowTaskPolls?: number;
  /** Long polls for activity tasks at once (default `maxConcurrentPolls`, else 2). */
  maxConcurrentActivityTaskPolls?: number;
  workflowTaskPollerBehavior?: PollerBehavior;
  activityTaskPollerBehavior?: PollerBehavior;
  /** False: no activity tasks are polled; the activities serve as local activities only (default true). */
  enableNonLocalActivities?: boolean;
  /** A fixed-size TunerHolder sets the slot counts; other tuners are a TypeError. */
  tuner?: WorkerTuner;
  /**
   * How long a workflow task sticky to this worker (it holds the workflow cached) waits for it before any worker
   * of the queue may take it (Temporal's; 1 ms to 1 day; default 5 s, Temporal's is 10 s).
   */
  stickyQueueScheduleToStartTimeout?: Duration;
  bundlerOptions?: BundlerOptions;
  /** Accepted, unused (Weft has no enhanced stack trace query). */
  showStackTraceSources?: boolean;
  /** Accepted, unused: Weft runs workflows in the worker's thread with no activation time limit already. */
  debugMode?: boolean;
  /** Accepted, unused: Weft keeps one sandbox context per worker. */
  reuseV8Context?: boolean;
  /** Accepted, unused: Weft runs workflows in the worker's thread. */
  workflowThreadPoolSize?: number;
  /** Accepted, unused: no separate sticky queue polls in Weft. */
  nonStickyToStickyPollRatio?: number;
  /** Accepted; 0 is taken (Weft asks for eager activities only when it has free slots). */
  maxEagerActivityReservationsPerWorkflowTask?: number;
  /** Accepted, unused (deprecated in Temporal too). */
  enableSDKTracing?: boolean;
  /** Accepted, unused: Weft does not check payload sizes in the worker (its server does). */
  disablePayloadErrorLimit?: boolean;
  /** Only `undefined`/0 nexus slots: Weft has no Nexus. */
  maxConcurrentNexusTaskExecutions?: number;
  maxConcurrentNexusTaskPolls?: number;
  nexusTaskPollerBehavior?: PollerBehavior;
  /** Not supported: a non-empty list is a TypeError. */
  nexusServices?: unknown[];
  /** Not supported: a non-empty list is a TypeError. */
  plugins?: unknown[];
  /**
   * Temporal's: by workflow type (`'*'`: every type), the error type names that, thrown by the workflow function,
   * a signal handler or an update handler, fail the workflow execution (or the update) instead of the workflow
   * task (which is retried). A name matches the error's class or any class it extends; `'Error'` matches every
   * error, non-determinism included; `'NondeterminismError'` (or `'DeterminismViolationError'`) fails the
   * execution on a non-determinism error instead of retrying the task.
   */
  workflowFailureErrorTypes?: Record<string, string[]>;
}

/** What the worker uses of those options, checked. */
export interface CompiledWorkerOptions {
  workflowSlots: number;
  activitySlots: number;
  localActivitySlots: number;
  workflowPolls: number;
  activityPolls: number;
  /** Activities started per second on this worker; undefined: no limit. */
  activitiesPerSecond: number | undefined;
  /** Activities handed out per second on the whole task queue, by the server; undefined: no limit. */
  taskQueueActivitiesPerSecond: number | undefined;
  pollActivities: boolean;
  ignoreModules: string[];
  /** `stickyQueueScheduleToStartTimeout` in ms; undefined: the server's default (5 s). */
  stickyScheduleToStartMs: number | undefined;
}

const isPositiveInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;

function positiveInt(o: object, name: string, fallback: number): number {
  const v = (o as Record<string, unknown>)[name];
  if (v === undefined) return fallback;
  if (!isPositiveInt(v)) throw new TypeError(`Worker.create: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

function optionalInt(o: object, name: string, min: number): void {
  const v = (o as Record<string, unknown>)[name];
  if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= min))
    throw new TypeError(`Worker.create: ${name} must be an integer >= ${min}, got ${String(v)}`);
}

function rate(o: object, name: string): number | undefined {
  const v = (o as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new TypeError(`Worker.create: ${name} must be a positive number, got ${String(v)}`);
  return v;
}

function polls(
  o: TemporalWorkerOptions,
  count: keyof TemporalWorkerOptions,
  behavior: keyof TemporalWorkerOptions,
  fallback: number,
): number {
  const b = o[behavior] as PollerBehavior | undefined;
  if (b === undefined) return positiveInt(o, count, fallback);
  if (o[count] !== undefined) throw new TypeError(`Worker.create: give ${count} or ${behavior}, not both`);
  if (b.type === 'simple-maximum') return positiveInt(b, 'maximum', fallback);
  if (b.type === 'autoscaling') {
    // Weft does not scale its polls: it keeps `initial` of them (Temporal's default initial is 5)
    const max = positiveInt(b, 'maximum', 100);
    const min = positiveInt(b, 'minimum', 1);
    const initial = positiveInt(b, 'initial', Math.min(5, max));
    if (min > max || initial < min || initial > max)
      throw new TypeError(`Worker.create: ${behavior} needs minimum <= initial <= maximum`);
    return initial;
  }
  throw new TypeError(`Worker.create: unknown ${behavior}.type ${JSON.stringify((b as { type?: unknown }).type)}`);
}

function boolean(o: object, name: string): void {
  const v = (o as Record<string, unknown>)[name];
  if (v !== undefined && typeof v !== 'boolean')
    throw new TypeError(`Worker.create: ${name} must be a boolean, got ${String(v)}`);
}

/** The slot counts of a tuner made of fixed-size suppliers. */
function fixedTuner(tuner: WorkerTuner): { workflow: number; activity: number; local: number } {
  if (!('workflowTaskSlotSupplier' in tuner))
    throw new TypeError(
      'Worker.create: a resource-based tuner is not supported by Weft; use fixed-size slot suppliers',
    );
  const size = (s: SlotSupplier<SlotInfo> | undefined, name: string): number => {
    if (s?.type !== 'fixed-size')
      throw new TypeError(
        `Worker.create: tuner.${name} must be { type: 'fixed-size', numSlots } (Weft has no ${s?.type ?? 'missing'} slot suppliers)`,
      );
    return positiveInt(s, 'numSlots', 0);
  };
  if (tuner.nexusTaskSlotSupplier !== undefined && tuner.nexusTaskSlotSupplier.type !== 'fixed-size')
    throw new TypeError('Worker.create: tuner.nexusTaskSlotSupplier must be fixed-size (Weft has no Nexus)');
  return {
    workflow: size(tuner.workflowTaskSlotSupplier, 'workflowTaskSlotSupplier'),
    activity: size(tuner.activityTaskSlotSupplier, 'activityTaskSlotSupplier'),
    local: size(tuner.localActivityTaskSlotSupplier, 'localActivityTaskSlotSupplier'),
  };
}

/** Checks Temporal's and Weft's slot and poll options and folds them into the numbers the worker uses. */
export function compileWorkerOptions(
  o: TemporalWorkerOptions & {
    maxConcurrentWorkflowTaskExecutions?: number;
    maxConcurrentActivityTaskExecutions?: number;
    maxConcurrentPolls?: number;
  },
): CompiledWorkerOptions {
  let slots = { workflow: 40, activity: 100, local: 100 };
  if (o.tuner !== undefined) {
    for (const n of [
      'maxConcurrentWorkflowTaskExecutions',
      'maxConcurrentActivityTaskExecutions',
      'maxConcurrentLocalActivityExecutions',
    ] as const)
      if (o[n] !== undefined) throw new TypeError(`Worker.create: cannot set both tuner and ${n}`);
    slots = fixedTuner(o.tuner);
  } else {
    slots = {
      workflow: positiveInt(o, 'maxConcurrentWorkflowTaskExecutions', 40),
      activity: positiveInt(o, 'maxConcurrentActivityTaskExecutions', 100),
      local: positiveInt(o, 'maxConcurrentLocalActivityExecutions', 100),
    };
  }
  const defaultPolls = positiveInt(o, 'maxConcurrentPolls', 2);
  const workflowPolls = polls(o, 'maxConcurrentWorkflowTaskPolls', 'workflowTaskPollerBehavior', defaultPolls);
  const activityPolls = polls(o, 'maxConcurrentActivityTaskPolls', 'activityTaskPollerBehavior', defaultPolls);
  const perWorker = rate(o, 'maxActivitiesPerSecond');
  const perQueue = rate(o, 'maxTaskQueueActivitiesPerSecond');
  for (const n of [
    'enableNonLocalActivities',
    'showStackTraceSources',
    'debugMode',
    'reuseV8Context',
    'enableSDKTracing',
    'disablePayloadErrorLimit',
  ])
    boolean(o, n);
  let stickyScheduleToStartMs: number | undefined;
  if (o.stickyQueueScheduleToStartTimeout !== undefined) {
    try {
      stickyScheduleToStartMs = toMs(o.stickyQueueScheduleToStartTimeout, 'stickyQueueScheduleToStartTimeout');
    } catch (e) {
      throw new TypeError(`Worker.create: ${(e as Error).message}`);
    }
    if (!(stickyScheduleToStartMs >= 1 && stickyScheduleToStartMs <= 86_400_000))
      throw new TypeError('Worker.create: stickyQueueScheduleToStartTimeout must be from 1 ms to 1 day');
    stickyScheduleToStartMs = Math.round(stickyScheduleToStartMs);
  }
  positiveInt(o, 'workflowThreadPoolSize', 1);
  optionalInt(o, 'maxEagerActivityReservationsPerWorkflowTask', 0);
  const ratio = o.nonStickyToStickyPollRatio;
  if (ratio !== undefined && !(typeof ratio === 'number' && ratio > 0 && ratio <= 1))
    throw new TypeError(`Worker.create: nonStickyToStickyPollRatio must be in (0, 1], got ${String(ratio)}`);
  optionalInt(o, 'maxConcurrentNexusTaskExecutions', 0);
  optionalInt(o, 'maxConcurrentNexusTaskPolls', 0);
  if (o.nexusTaskPollerBehavior !== undefined) polls(o, 'maxConcurrentNexusTaskPolls', 'nexusTaskPollerBehavior', 1);
  if (o.nexusServices?.length)
    throw new TypeError('Worker.create: nexusServices are not supported (Weft has no Nexus)');
  if (o.plugins?.length) throw new TypeError('Worker.create: worker plugins are not supported by Weft');
  checkFailureErrorTypes(o.workflowFailureErrorTypes);
  const ignoreModules = o.bundlerOptions?.ignoreModules ?? [];
  if (!Array.isArray(ignoreModules) || ignoreModules.some((m) => typeof m !== 'string' || m === ''))
    throw new TypeError('Worker.create: bundlerOptions.ignoreModules must be an array of module names');
  return {
    workflowSlots: slots.workflow,
    activitySlots: slots.activity,
    localActivitySlots: slots.local,
    workflowPolls,
    activityPolls,
    activitiesPerSecond: perWorker,
    taskQueueActivitiesPerSecond: perQueue,
    pollActivities: o.enableNonLocalActivities !== false,
    ignoreModules,
    stickyScheduleToStartMs,
  };
}

/** `workflowFailureErrorTypes`: an object of workflow type (or '*') to a list of error type names. */
export function checkFailureErrorTypes(types: unknown): void {
  if (types === undefined) return;
  const bad = (why: string) => new TypeError(`Worker.create: workflowFailureErrorTypes ${why}`);
  if (typeof types !== 'object' || types === null || Array.isArray(types))
    throw bad('must be an object of workflow type (or "*") to a list of error type names');
  for (const [workflowType, names] of Object.entries(types)) {
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n === ''))
      throw bad(`[${JSON.stringify(workflowType)}] must be a list of error type names`);
  }
}

/** The error type names that fail a workflow of this type (its own and those of '*'), or none. */
export function failureErrorTypesOf(
  types: Record<string, string[]> | undefined,
  workflowType: string,
): string[] | undefined {
  if (!types) return undefined;
  const names = [...new Set([...(types['*'] ?? []), ...(types[workflowType] ?? [])])];
  return names.length > 0 ? names : undefined;
}

/** Whether the names make a non-determinism error fail the execution (Temporal's three spellings). */
export function failsOnNondeterminism(names: readonly string[] | undefined): boolean {
  return !!names?.some((n) => n === 'Error' || n === 'NondeterminismError' || n === 'DeterminismViolationError');
}
