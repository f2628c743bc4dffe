/**
 * Property-based tests of the engine: random sequences of inputs on one run (workflow tasks dispatched,
 * completed with random valid commands, failed; activities dispatched, completed, failed, cancelled,
 * heartbeating; timers fired in and out of order; cancel requests; termination; stale task tokens), with
 * every invariant of test-invariants.ts checked after every step, and a cooperative worker that must be able
 * to bring any reachable run to its end. The histories are then replayed through the worker's WorkflowMachine.
 *
 * The worker is modelled as a sane SDK would behave: its commands are decided from the history it was given
 * (events up to the task's WorkflowTaskStarted), with per-kind sequence numbers continuing from that history.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../common/api-error.js';
import type { FailureInfo } from '../common/failure.js';
import type { Command } from '../protocol/commands.js';
import type { HistoryEvent } from '../protocol/events.js';
import { completeActivity, getActivity, startActivityAttempt } from './activity.js';
import { prepareContinuation, startContinuedTask } from './continuation.js';
import type { StartRunInput } from './start.js';
import { signalWorkflow } from './requests.js';
import { keys } from './state.js';
import { WorkflowMachine } from '../worker/replay/workflow-machine.js';
import type { WorkflowSandbox } from '../worker/sandbox/vm-sandbox.js';
import type { Activation, ActivationJob, ActivationResult } from '../workflow/internal/activation.js';
import { EngineDriver, takeEagerWorkflowTask } from './test-driver.js';
import { checkInvariants, checkStep, snapshot } from './test-invariants.js';
import { completeWorkflowTask } from './workflow-task.js';

// ---------------------------------------------------------------------------------------------------------
// Inputs, as data (fast-check shrinks these); each is interpreted against the run's state when it applies.

interface ActivityOptions {
  stc: number | undefined;
  s2c: number | undefined;
  s2s: number | undefined;
  hb: number | undefined;
  maxAttempts: number;
  initialMs: number;
  fatalNonRetryable: boolean;
  eager: boolean;
  queue: string;
}

type CommandSpec =
  | { k: 'activity'; opts: ActivityOptions }
  | { k: 'timer'; ms: number }
  | { k: 'cancelTimer'; n: number }
  | { k: 'cancelActivity'; n: number }
  /** A patch marker, or a local activity's outcome (a marker with its seq, a result or a failure). */
  | { k: 'marker'; local: boolean; failed: boolean }
  | { k: 'upsert'; n: number };

type Terminal = 'none' | 'complete' | 'fail' | 'cancel';
type Invalid = 'none' | 'duplicateSeq' | 'terminalNotLast' | 'duplicateMarker';

type Action =
  | { t: 'dispatchWT'; identity: string }
  | {
      t: 'completeWT';
      cmds: CommandSpec[];
      terminal: Terminal;
      sticky: boolean;
      eagerSlots: number;
      eagerWT: boolean;
      invalid: Invalid;
    }
  | { t: 'failWT' }
  | { t: 'dispatchActivity'; n: number; identity: string }
  /** `cont`: the worker continues the workflow in the same request (engine/continuation.ts), with `contCmds`. */
  | { t: 'completeActivity'; n: number; eagerWT: boolean; cont: boolean; contCmds: CommandSpec[]; close: boolean }
  | { t: 'failActivity'; n: number; kind: 'retryable' | 'nonRetryableFlag' | 'nonRetryableType'; details: boolean }
  | { t: 'activityCanceled'; n: number }
  | { t: 'heartbeat'; n: number; ms: number }
  | { t: 'fire'; n: number; earliest: boolean }
  | { t: 'advance'; ms: number }
  | { t: 'requestCancel' }
  | { t: 'signal'; n: number; dup: boolean }
  | { t: 'terminate'; p: number }
  | { t: 'runTimeout'; p: number }
  | { t: 'stale'; n: number; which: 'wt' | 'activity' };

const ms500 = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max }).map((x) => x * 500);

const activityOptions: fc.Arbitrary<ActivityOptions> = fc.record({
  stc: fc.option(ms500(1, 10), { nil: undefined, freq: 6 }),
  s2c: fc.option(ms500(2, 40), { nil: undefined, freq: 2 }),
  s2s: fc.option(ms500(1, 10), { nil: undefined, freq: 2 }),
  hb: fc.option(ms500(1, 6), { nil: undefined, freq: 2 }),
  maxAttempts: fc.integer({ min: 0, max: 4 }),
  initialMs: fc.constantFrom(100, 1000),
  fatalNonRetryable: fc.boolean(),
  eager: fc.boolean(),
  queue: fc.constantFrom('q', 'q', 'other'),
});

const commandSpec: fc.Arbitrary<CommandSpec> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('activity' as const), opts: activityOptions }), weight: 6 },
  {
    arbitrary: fc.record({ k: fc.constant('timer' as const), ms: fc.constantFrom(0, 500, 1000, 3000, 10_000) }),
    weight: 2,
  },
  { arbitrary: fc.record({ k: fc.constant('cancelTimer' as const), n: fc.nat(7) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('upsert' as const), n: fc.nat(3) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('cancelActivity' as const), n: fc.nat(7) }), weight: 1 },
  {
    arbitrary: fc.record({ k: fc.constant('marker' as const), local: fc.boolean(), failed: fc.boolean() }),
    weight: 1,
  },
);

const identity = fc.constantFrom('w1', 'w2');

const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('dispatchWT' as const), identity }), weight: 10 },
  {
    arbitrary: fc.record({
      t: fc.constant('completeWT' as const),
      cmds: fc.array(commandSpec, { maxLength: 4, size: 'max' }),
      terminal: fc.oneof(
        { arbitrary: fc.constant<Terminal>('none'), weight: 30 },
        { arbitrary: fc.constantFrom<Terminal>('complete', 'fail', 'cancel'), weight: 2 },
      ),
      sticky: fc.boolean(),
      eagerSlots: fc.nat(2),
      eagerWT: fc.boolean(),
      invalid: fc.oneof(
        { arbitrary: fc.constant<Invalid>('none'), weight: 20 },
        { arbitrary: fc.constantFrom<Invalid>('duplicateSeq', 'terminalNotLast', 'duplicateMarker'), weight: 1 },
      ),
    }),
    weight: 10,
  },
  { arbitrary: fc.record({ t: fc.constant('failWT' as const) }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('dispatchActivity' as const), n: fc.nat(7), identity }), weight: 8 },
  {
    arbitrary: fc.record({
      t: fc.constant('completeActivity' as const),
      n: fc.nat(7),
      eagerWT: fc.boolean(),
      cont: fc.boolean(),
      contCmds: fc.array(commandSpec, { maxLength: 2 }),
      close: fc.constantFrom(false, false, false, true),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      t: fc.constant('failActivity' as const),
      n: fc.nat(7),
      kind: fc.constantFrom(
        'retryable' as const,
        'retryable' as const,
        'nonRetryableFlag' as const,
        'nonRetryableType' as const,
      ),
      details: fc.boolean(),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ t: fc.constant('activityCanceled' as const), n: fc.nat(7) }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('heartbeat' as const), n: fc.nat(7), ms: ms500(0, 6) }), weight: 3 },
  {
    arbitrary: fc.record({
      t: fc.constant('fire' as const),
      n: fc.nat(15),
      earliest: fc.constantFrom(true, true, false),
    }),
    weight: 8,
  },
  { arbitrary: fc.record({ t: fc.constant('advance' as const), ms: ms500(1, 20) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('requestCancel' as const) }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('signal' as const), n: fc.nat(5), dup: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('terminate' as const), p: fc.nat(4) }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('runTimeout' as const), p: fc.nat(4) }), weight: 1 },
  {
    arbitrary: fc.record({
      t: fc.constant('stale' as const),
      n: fc.nat(3),
      which: fc.constantFrom('wt' as const, 'activity' as const),
    }),
    weight: 2,
  },
);

interface StartOptions {
  runTimeoutMs: number | undefined;
  executionTimeoutMs: number | undefined;
  workflowTaskTimeoutMs: number | undefined;
  firstWorkflowTaskBackoffMs: number | undefined;
}

const startOptions: fc.Arbitrary<StartOptions> = fc.record({
  runTimeoutMs: fc.option(ms500(40, 400), { nil: undefined, freq: 2 }),
  executionTimeoutMs: fc.option(ms500(40, 400), { nil: undefined, freq: 3 }),
  workflowTaskTimeoutMs: fc.option(ms500(1, 20), { nil: undefined, freq: 2 }),
  firstWorkflowTaskBackoffMs: fc.option(ms500(1, 4), { nil: undefined, freq: 5 }),
});

function startOverrides(o: StartOptions): Partial<StartRunInput> {
  return {
    ...(o.runTimeoutMs !== undefined ? { workflowRunTimeoutMs: o.runTimeoutMs } : {}),
    ...(o.executionTimeoutMs !== undefined ? { workflowExecutionTimeoutMs: o.executionTimeoutMs } : {}),
    ...(o.workflowTaskTimeoutMs !== undefined ? { workflowTaskTimeoutMs: o.workflowTaskTimeoutMs } : {}),
    ...(o.firstWorkflowTaskBackoffMs !== undefined ? { firstWorkflowTaskBackoffMs: o.firstWorkflowTaskBackoffMs } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The worker: what the workflow knows from the history it was given.

interface WorkflowView {
  nextActivitySeq: number;
  nextTimerSeq: number;
  /** Activities the workflow still waits for and has not asked to cancel. */
  pendingActivities: number[];
  pendingTimers: number[];
  /** Patch markers recorded so far (each patch id is recorded once per run). */
  patches: number;
}

function workflowView(events: readonly HistoryEvent[]): WorkflowView {
  let nextActivitySeq = 1;
  let nextTimerSeq = 1;
  const activities = new Map<number, number>(); // scheduled id -> seq, while pending
  const timers = new Set<number>();
  let patches = 0;
  for (const ev of events) {
    switch (ev.eventType) {
      case 'MarkerRecorded': // local activities share the activity seq counter
        if (typeof ev.attributes.details.seq === 'number')
          nextActivitySeq = Math.max(nextActivitySeq, ev.attributes.details.seq + 1);
        if (ev.attributes.markerName === 'Patch') patches++;
        break;
      case 'ActivityTaskScheduled':
        nextActivitySeq = Math.max(nextActivitySeq, ev.attributes.seq + 1);
        activities.set(ev.eventId, ev.attributes.seq);
        break;
      case 'ActivityTaskCancelRequested': // TRY_CANCEL: the workflow stops waiting at once
      case 'ActivityTaskCompleted':
      case 'ActivityTaskFailed':
      case 'ActivityTaskTimedOut':
      case 'ActivityTaskCanceled':
        activities.delete(ev.attributes.scheduledEventId);
        break;
      case 'TimerStarted':
        nextTimerSeq = Math.max(nextTimerSeq, ev.attributes.seq + 1);
        timers.add(ev.attributes.seq);
        break;
      case 'TimerFired':
      case 'TimerCanceled':
        timers.delete(Number(ev.attributes.timerId));
        break;
      default:
        break;
    }
  }
  return {
    nextActivitySeq,
    nextTimerSeq,
    pendingActivities: [...activities.values()],
    pendingTimers: [...timers],
    patches,
  };
}

/** The commands, and whether the engine must reject them (so the task fails instead of completing). */
function buildCommands(
  view: WorkflowView,
  specs: CommandSpec[],
  terminal: Terminal,
  invalid: Invalid,
): { cmds: Command[]; invalid: boolean } {
  const cmds: Command[] = [];
  let actSeq = view.nextActivitySeq;
  let timerSeq = view.nextTimerSeq;
  const acts = [...view.pendingActivities];
  const timers = [...view.pendingTimers];
  let patchSeq = view.patches;
  for (const spec of specs) {
    switch (spec.k) {
      case 'activity': {
        const o = spec.opts;
        const seq = actSeq++;
        cmds.push({
          type: 'ScheduleActivityTask',
          seq,
          activityId: String(seq),
          activityType: 'act',
          taskQueue: o.queue,
          input: [seq],
          ...(o.stc !== undefined ? { startToCloseTimeoutMs: o.stc } : {}),
          ...(o.s2c !== undefined ? { scheduleToCloseTimeoutMs: o.s2c } : {}),
          ...(o.s2s !== undefined ? { scheduleToStartTimeoutMs: o.s2s } : {}),
          ...(o.hb !== undefined ? { heartbeatTimeoutMs: o.hb } : {}),
          retryPolicy: {
            initialInterval: o.initialMs,
            maximumAttempts: o.maxAttempts,
            ...(o.fatalNonRetryable ? { nonRetryableErrorTypes: ['Fatal'] } : {}),
          },
          ...(o.eager ? { eager: true } : {}),
        });
        acts.push(seq);
        break;
      }
      case 'timer': {
        const seq = timerSeq++;
        cmds.push({ type: 'StartTimer', seq, startToFireTimeoutMs: spec.ms });
        timers.push(seq);
        break;
      }
      case 'cancelTimer': {
        if (timers.length === 0) break;
        const [seq] = timers.splice(spec.n % timers.length, 1);
        cmds.push({ type: 'CancelTimer', seq: seq! });
        break;
      }
      case 'cancelActivity': {
        if (acts.length === 0) break;
        const [seq] = acts.splice(spec.n % acts.length, 1);
        cmds.push({ type: 'RequestCancelActivityTask', seq: seq! });
        break;
      }
      case 'upsert':
        cmds.push({
          type: 'UpsertWorkflowSearchAttributes',
          searchAttributes: spec.n === 0 ? { CustomerId: null } : { CustomerId: `c-${spec.n}`, Amount: spec.n },
        });
        if (spec.n % 2 === 1)
          cmds.push({ type: 'ModifyWorkflowProperties', upsertedMemo: { note: spec.n, old: null } });
        break;
      case 'marker': {
        if (!spec.local) {
          cmds.push({
            type: 'RecordMarker',
            markerName: 'Patch',
            details: { patchId: `p${++patchSeq}`, deprecated: false },
          });
          break;
        }
        const seq = actSeq++;
        const details = { seq, activityType: 'local', activityId: String(seq), attempt: 1 };
        cmds.push(
          spec.failed
            ? {
                type: 'RecordMarker',
                markerName: 'LocalActivity',
                details,
                failure: { kind: 'activity', message: 'failed', activityType: 'local' },
              }
            : { type: 'RecordMarker', markerName: 'LocalActivity', details: { ...details, result: seq } },
        );
        break;
      }
    }
  }
  const close: Command | undefined =
    terminal === 'complete'
      ? { type: 'CompleteWorkflowExecution', result: 'done' }
      : terminal === 'fail'
        ? { type: 'FailWorkflowExecution', failure: { kind: 'application', message: 'workflow failed', type: 'Error' } }
        : terminal === 'cancel'
          ? { type: 'CancelWorkflowExecution' }
          : undefined;
  // a workflow with nothing to wait for would idle until cancelled: it sleeps instead, so histories go deep
  if (terminal === 'none' && acts.length === 0 && timers.length === 0)
    cmds.push({ type: 'StartTimer', seq: timerSeq++, startToFireTimeoutMs: 1000 });
  let bad = cmds.some(
    (c) => c.type === 'ScheduleActivityTask' && !c.startToCloseTimeoutMs && !c.scheduleToCloseTimeoutMs,
  );
  if (invalid === 'duplicateSeq') {
    // two timers with one seq
    cmds.push(
      { type: 'StartTimer', seq: timerSeq, startToFireTimeoutMs: 1 },
      { type: 'StartTimer', seq: timerSeq, startToFireTimeoutMs: 2 },
    );
    bad = true;
  }
  if (invalid === 'duplicateMarker') {
    // one patch recorded twice in one task
    const marker: Command = {
      type: 'RecordMarker',
      markerName: 'Patch',
      details: { patchId: 'twice', deprecated: false },
    };
    cmds.push(marker, marker);
    bad = true;
  }
  if (invalid === 'terminalNotLast') {
    cmds.push({ type: 'CompleteWorkflowExecution' }, { type: 'StartTimer', seq: timerSeq, startToFireTimeoutMs: 1 });
    bad = true;
  } else if (close) cmds.push(close);
  return { cmds, invalid: bad };
}

// ---------------------------------------------------------------------------------------------------------
// Applying one input.

const pick = <T>(items: readonly T[], n: number): T | undefined =>
  items.length === 0 ? undefined : items[n % items.length];

function expectApiError(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (!(thrown instanceof ApiError) || thrown.code !== code)
    throw new Error(`expected ApiError ${code}, got ${thrown === undefined ? 'no error' : String(thrown)}`);
}

/**
 * Applies one action; returns a line describing what it did. An action that does not apply in the current state
 * (nothing to complete, no row to dispatch) does what would make progress instead: it dispatches a task or lets
 * time pass to the next timer, as a real worker and clock would, so that random sequences go deep.
 */
function applyAction(d: EngineDriver, a: Action): string {
  if (d.closed) {
    if (a.t === 'requestCancel') expectApiError(() => d.requestCancel(), 'WORKFLOW_NOT_RUNNING');
    else if (a.t === 'signal')
      expectApiError(() => d.apply((t) => signalWorkflow(t, { signalName: 's', args: [a.n] })), 'WORKFLOW_NOT_RUNNING');
    else if (a.t === 'terminate') expectApiError(() => d.terminate(), 'WORKFLOW_NOT_RUNNING');
    else if (a.t === 'completeWT') expectApiError(() => d.completeWorkflowTask([]), 'TASK_NOT_FOUND');
    return `(closed) ${a.t}`;
  }
  const done = applyOne(d, a);
  if (done !== undefined) return done;
  const activityFirst = [
    'dispatchActivity',
    'completeActivity',
    'failActivity',
    'activityCanceled',
    'heartbeat',
  ].includes(a.t);
  const wtRow = d.workflowTaskRow();
  const actRow = d.activityRows()[0];
  if (actRow && (activityFirst || !wtRow)) {
    const seq = Number(actRow.key.split(':')[1]);
    d.dispatchActivity(seq, 'w1');
    return `(instead of ${a.t}) dispatchActivity ${seq}`;
  }
  if (wtRow) {
    const r = d.dispatchWorkflowTask(wtRow.stickyIdentity ?? 'w1');
    return `(instead of ${a.t}) dispatchWT ${r.id} attempt ${r.attempt}`;
  }
  // waiting (user timers, retry backoffs, sticky fallback), not timeouts: those fire by their own actions
  const timer = d.dueOrder().find((r) => /^(timer|wt-retry|wt-sticky|act-retry):/.test(r.key));
  if (timer) {
    d.fire(timer.key);
    return `(instead of ${a.t}) fire ${timer.key}`;
  }
  if (d.state.workflowTask?.state === 'started') {
    const { cmds } = buildCommands(workflowView(d.events), [], 'none', 'none');
    d.completeWorkflowTask(cmds);
    return `(instead of ${a.t}) completeWT ${JSON.stringify(cmds)}`;
  }
  return `${a.t}: nothing to do`;
}

/** Applies the action if it applies in the current state; undefined if not. */
function applyOne(d: EngineDriver, a: Action): string | undefined {
  const s = d.state;
  const wt = s.workflowTask;
  switch (a.t) {
    case 'dispatchWT': {
      const row = d.workflowTaskRow();
      if (!row) return undefined;
      const r = d.dispatchWorkflowTask(row.stickyIdentity ?? a.identity);
      // a transient task hands out its would-be events; they take the next ids
      if (r.transientEvents.length > 0 && r.transientEvents[0]!.eventId !== d.state.nextEventId)
        throw new Error(
          `transient events ${JSON.stringify(r.transientEvents)} do not take the next id ${d.state.nextEventId}`,
        );
      return `dispatchWT ${r.id} attempt ${r.attempt} as ${r.identity}`;
    }
    case 'completeWT': {
      if (wt?.state !== 'started') return undefined;
      const built = buildCommands(workflowView(d.events), a.cmds, a.terminal, a.invalid);
      const { cmds } = built;
      // invalid commands are rejected; so is closing the run while any event waits behind the task (it is redone)
      const closing = cmds.some((c) =>
        ['CompleteWorkflowExecution', 'FailWorkflowExecution', 'CancelWorkflowExecution'].includes(c.type),
      );
      const eventsWait = s.bufferedEvents.length > 0;
      const rejected = built.invalid || (closing && eventsWait);
      const transient = wt.transient;
      const expectedIds = transient ? { scheduled: s.nextEventId, started: s.nextEventId + 1 } : undefined;
      const who = wt.identity!;
      const startedEventId = wt.startedEventId!;
      const r = d.completeWorkflowTask(cmds, {
        sticky: a.sticky,
        eager: { taskQueue: 'q', activitySlots: a.eagerSlots },
        ...(a.eagerWT ? { then: (t) => void takeEagerWorkflowTask(t, who) } : {}),
      });
      if ((r.rejected !== undefined) !== rejected)
        throw new Error(`commands ${JSON.stringify(cmds)}: rejected=${r.rejected}, expected ${rejected}`);
      if (expectedIds && !rejected) {
        const sch = d.event(expectedIds.scheduled);
        const st = d.event(expectedIds.started);
        if (sch.eventType !== 'WorkflowTaskScheduled' || st.eventType !== 'WorkflowTaskStarted')
          throw new Error(
            `transient task completed, but its events are not at ${expectedIds.scheduled}, ${expectedIds.started}`,
          );
      }
      // what this worker knows now, and claims when it continues the workflow after an activity
      if (!rejected && a.sticky)
        knowledge(d).set(who, { basedOnEventId: startedEventId, lastEventId: d.state.lastCommandEventId ?? 0 });
      // eager activities are handed to the worker: they must exist, started, with no task row
      if (r.eagerActivitySeqs.length > a.eagerSlots)
        throw new Error(`${r.eagerActivitySeqs.length} eager activities for ${a.eagerSlots} slots`);
      for (const seq of r.eagerActivitySeqs) {
        const act = d.closed ? undefined : d.state.activities[seq];
        if (act?.state !== 'started' || act.attempt !== 1)
          throw new Error(`eager activity ${seq} handed out but it is ${act ? act.state : 'not pending'}`);
      }
      return `completeWT ${wt.id} ${rejected ? '(rejected) ' : ''}${JSON.stringify(cmds)} sticky=${a.sticky} eager=${JSON.stringify(r.eagerActivitySeqs)}`;
    }
    case 'failWT': {
      if (wt?.state !== 'started') return undefined;
      d.failWorkflowTask();
      return `failWT ${wt.id}`;
    }
    case 'dispatchActivity': {
      const row = pick(d.activityRows(), a.n);
      if (!row) return undefined;
      const seq = Number(row.key.split(':')[1]);
      d.dispatchActivity(seq, a.identity);
      return `dispatchActivity ${seq} attempt ${d.state.activities[seq]!.attempt}`;
    }
    case 'completeActivity':
    case 'failActivity':
    case 'activityCanceled':
    case 'heartbeat': {
      const running = Object.values(s.activities).filter((x) => x.state === 'started');
      const act = pick(running, a.n);
      if (!act) return undefined;
      const who = act.identity!;
      const then = (t: Parameters<typeof takeEagerWorkflowTask>[0]): void => void takeEagerWorkflowTask(t, who);
      if (a.t === 'completeActivity' && a.cont) return completeWithContinuation(d, act, who, a);
      if (a.t === 'completeActivity') d.completeActivity(act.seq, { seq: act.seq }, a.eagerWT ? { then } : {});
      else if (a.t === 'activityCanceled') d.activityCanceled(act.seq, 'gave up');
      else if (a.t === 'heartbeat') {
        d.advance(a.ms);
        const r = d.heartbeat(act.seq, { progress: d.now });
        if (r.cancelRequested !== act.cancelRequested)
          throw new Error(`heartbeat says cancelRequested=${r.cancelRequested}`);
      } else {
        const failure: FailureInfo =
          a.kind === 'retryable'
            ? { kind: 'application', message: 'flaky', type: 'Flaky' }
            : a.kind === 'nonRetryableFlag'
              ? { kind: 'application', message: 'fatal', type: 'Flaky', nonRetryable: true }
              : { kind: 'application', message: 'fatal', type: 'Fatal' };
        d.failActivity(act.seq, failure, a.details ? { lastHeartbeatDetails: 'hb' } : {});
      }
      return `${a.t} ${act.seq} attempt ${act.attempt}`;
    }
    case 'fire': {
      // the earliest, or any (a late timer service); the run's own timeouts have their own action
      const rows = d.dueOrder().filter((r) => r.key !== keys.runTimeout() && r.key !== keys.executionTimeout());
      const row = a.earliest ? rows[0] : pick(rows, a.n);
      if (!row) return undefined;
      d.fire(row.key);
      return `fire ${row.key} at +${d.now - d.state.startTime}`;
    }
    case 'runTimeout': {
      if (a.p !== 0) return 'runTimeout: not this time';
      const row = d.dueOrder().find((r) => r.key === keys.runTimeout() || r.key === keys.executionTimeout());
      if (!row) return 'runTimeout: none';
      d.fire(row.key);
      return `fire ${row.key}`;
    }
    case 'advance':
      d.advance(a.ms);
      return `advance ${a.ms}`;
    case 'requestCancel':
      d.requestCancel('please');
      return `requestCancel`;
    case 'signal': {
      // a retried signal (same request id) is applied once
      const requestId = `sig-${a.n}`;
      d.apply((t) => signalWorkflow(t, { signalName: 's', args: [a.n], requestId }));
      if (a.dup) d.apply((t) => signalWorkflow(t, { signalName: 's', args: [a.n], requestId }));
      return `signal ${a.n}${a.dup ? ' (twice)' : ''}`;
    }
    case 'terminate':
      if (a.p !== 0) return 'terminate: not this time';
      d.terminate('enough');
      return `terminate`;
    case 'stale': {
      const before = d.events.length;
      if (a.which === 'wt') {
        // a completion for a task that is not the started one: an old attempt, or one still scheduled
        const id = wt?.state === 'started' ? wt.id - 1 - a.n : (wt?.id ?? s.nextTaskId) - a.n;
        expectApiError(() => d.completeWorkflowTask([{ type: 'CompleteWorkflowExecution' }], {}, id), 'TASK_NOT_FOUND');
        expectApiError(() => d.failWorkflowTask(undefined, id), 'TASK_NOT_FOUND');
      } else {
        const act = pick(Object.values(s.activities), a.n);
        if (act && act.attempt > 1)
          expectApiError(() => d.completeActivity(act.seq, null, { attempt: act.attempt - 1 }), 'TASK_NOT_FOUND');
        if (act && act.state !== 'started') {
          expectApiError(() => d.completeActivity(act.seq), 'TASK_NOT_FOUND');
          expectApiError(() => d.heartbeat(act.seq), 'TASK_NOT_FOUND');
        }
        if (act && act.state !== 'scheduled')
          expectApiError(
            () => d.apply((t) => startActivityAttempt(t, getActivity(t, act.seq), 'w9')),
            'TASK_NOT_FOUND',
          );
        expectApiError(() => d.completeActivity(999), 'TASK_NOT_FOUND');
      }
      if (d.events.length !== before) throw new Error('a rejected input wrote events');
      return `stale ${a.which}`;
    }
  }
}

/** How many continuations the scenarios made, and how many the engine took (both paths must be exercised). */
const continuations = { taken: 0, dropped: 0 };

/** Per run, per worker: the claim it makes when it continues (its last completed task, as it saw it). */
const known = new WeakMap<EngineDriver, Map<string, { basedOnEventId: number; lastEventId: number }>>();
function knowledge(d: EngineDriver): Map<string, { basedOnEventId: number; lastEventId: number }> {
  let m = known.get(d);
  if (!m) known.set(d, (m = new Map()));
  return m;
}

/**
 * An activity's completion carrying the next workflow task, as a worker that predicted history from what it last
 * saw would send it (possibly stale: another worker ran a task since, a signal came in). The engine must take it
 * exactly when history is as claimed, and the invariants and the replay at the end must hold either way.
 */
function completeWithContinuation(
  d: EngineDriver,
  act: { seq: number; attempt: number },
  who: string,
  a: Extract<Action, { t: 'completeActivity' }>,
): string {
  const claimed = knowledge(d).get(who);
  const claim = claimed && { ...claimed, startedTime: d.now, historySizeBytes: 0 };
  const matches =
    claim !== undefined &&
    d.state.workflowTask === undefined &&
    d.state.stickyIdentity === who &&
    d.state.bufferedEvents.length === 0 &&
    d.state.lastCompletedStartedEventId === claim.basedOnEventId &&
    d.state.nextEventId - 1 === claim.lastEventId;
  let cmds: Command[] = [];
  const startedEventId = d.apply((t) => {
    const ok = claim !== undefined && prepareContinuation(t, claim, who);
    completeActivity(t, getActivity(t, act.seq, act.attempt), { seq: act.seq });
    const id = ok ? startContinuedTask(t, claim, who) : undefined;
    if (id === undefined) {
      takeEagerWorkflowTask(t, who);
      return undefined;
    }
    const started = t.state.workflowTask!.startedEventId!;
    cmds = buildCommands(
      workflowView([...d.events, ...t.events]),
      a.contCmds,
      a.close ? 'complete' : 'none',
      'none',
    ).cmds;
    // invalid commands (a random activity without timeouts) fail the continued task as they fail any other
    const r = completeWorkflowTask(t, { id, commands: cmds, identity: who, sticky: true });
    return r.rejected === undefined ? started : -1;
  });
  if ((startedEventId !== undefined) !== matches)
    throw new Error(
      `continuation ${JSON.stringify(claim)}: taken=${startedEventId !== undefined}, expected ${matches}`,
    );
  continuations[startedEventId === undefined ? 'dropped' : 'taken']++;
  if (startedEventId === undefined) return `completeActivity ${act.seq} (continuation dropped)`;
  if (startedEventId === -1) return `completeActivity ${act.seq} (continued task rejected: ${JSON.stringify(cmds)})`;
  d.completions.set(startedEventId, cmds);
  if (!d.closed)
    knowledge(d).set(who, { basedOnEventId: startedEventId, lastEventId: d.state.lastCommandEventId ?? 0 });
  return `completeActivity ${act.seq} continued with ${JSON.stringify(cmds)}`;
}

/** A cooperative worker that finishes the workflow at its next task: any reachable run must come to an end. */
function finish(d: EngineDriver, log: string[]): void {
  for (let i = 0; i < 200 && !d.closed; i++) {
    const before = snapshot(d);
    const s = d.state;
    let what: string;
    if (s.workflowTask?.state === 'started') {
      d.completeWorkflowTask([{ type: 'CompleteWorkflowExecution', result: 'finished' }]);
      what = 'complete the workflow';
    } else if (d.workflowTaskRow()) {
      d.dispatchWorkflowTask();
      what = 'dispatch WT';
    } else if (Object.values(s.activities).some((a) => a.state === 'started')) {
      const a = Object.values(s.activities).find((x) => x.state === 'started')!;
      d.completeActivity(a.seq, 'ok');
      what = `complete activity ${a.seq}`;
    } else if (d.activityRows().length > 0) {
      const seq = Number(d.activityRows()[0]!.key.split(':')[1]);
      d.dispatchActivity(seq);
      what = `dispatch activity ${seq}`;
    } else if (d.timers.size > 0) {
      const key = d.dueOrder()[0]!.key;
      d.fire(key);
      what = `fire ${key}`;
    } else if (!s.cancelRequested) {
      d.requestCancel('wake up');
      what = 'request cancel';
    } else if (!s.workflowTask && Object.keys(s.activities).length === 0 && Object.keys(s.timers).length === 0) {
      // the workflow ignored the cancellation and waits for nothing: legitimate, and only termination ends it
      d.terminate('idle');
      what = 'terminate';
    } else {
      throw new Error(
        `the run is stuck: work is pending but nothing can be dispatched or fired\nstate: ${JSON.stringify(s)}`,
      );
    }
    log.push(`[finish] ${what}`);
    checkStep(before, d);
    checkInvariants(d);
  }
  if (!d.closed) throw new Error('the run did not finish within 200 cooperative steps');
}

function formatHistory(events: readonly HistoryEvent[]): string {
  return events.map((e) => `  ${e.eventId} ${e.eventType} ${JSON.stringify(e.attributes)}`).join('\n');
}

/** Runs the actions on a fresh run, checking every invariant after each; returns the driver. */
/** What the generated scenarios reached, so that a change to the generators cannot make them shallow unnoticed. */
interface Reached {
  eventTypes: Set<string>;
  timerKinds: Set<string>;
  bufferedFlushes: number;
  transientCompletions: number;
  eagerActivities: number;
  rejectedCompletions: number;
  staleRejections: number;
}

function runScenario(
  start: StartOptions,
  actions: Action[],
  opts: { finish: boolean; reached?: Reached } = { finish: true },
): EngineDriver {
  const d = new EngineDriver();
  const log: string[] = [];
  const reached = opts.reached;
  try {
    d.start(startOverrides(start));
    checkInvariants(d);
    for (const a of actions) {
      const before = snapshot(d);
      const buffered = d.closed ? 0 : d.state.bufferedEvents.length;
      const timersBefore = new Set(d.timers.keys());
      const line = applyAction(d, a);
      log.push(line);
      checkStep(before, d);
      checkInvariants(d);
      if (reached) {
        if (buffered > 0 && !d.closed && d.state.bufferedEvents.length === 0) reached.bufferedFlushes++;
        if (before.wt?.transient && d.lastEventTypes().includes('WorkflowTaskCompleted'))
          reached.transientCompletions++;
        if (/eager=\[\d/.test(line)) reached.eagerActivities++;
        if (line.includes('(rejected)')) reached.rejectedCompletions++;
        if (line.startsWith('stale')) reached.staleRejections++;
        for (const k of timersBefore)
          if (!d.timers.has(k) && line.includes(`fire ${k}`)) reached.timerKinds.add(k.split(':')[0]!);
      }
    }
    if (reached) for (const e of d.events) reached.eventTypes.add(e.eventType);
    if (opts.finish) finish(d, log);
  } catch (e) {
    const err = e as Error;
    err.message = `${err.message}\n-- steps:\n  ${log.join('\n  ')}\n-- history:\n${formatHistory(d.events)}`;
    throw err;
  }
  return d;
}

const scenarioArbitrary = fc.tuple(startOptions, fc.array(action, { minLength: 1, maxLength: 100, size: 'max' }));

/** A sandbox that answers each activation with the commands the run's worker sent for that task. */
class ScriptedSandbox {
  readonly activations: Activation[] = [];
  constructor(private readonly commands: ReadonlyMap<number, Command[]>) {}
  create(): void {}
  dispose(): void {}
  activate(_runId: string, activation: Activation): ActivationResult {
    this.activations.push(activation);
    return { commands: this.commands.get(activation.historyLength) ?? [] };
  }
}

function describeJob(j: ActivationJob): string {
  if (j.type === 'signal') return `signal ${JSON.stringify(j.args)}`;
  return j.type === 'resolveActivity' || j.type === 'fireTimer' ? `${j.type} ${j.seq}` : j.type;
}

/**
 * What the replayer must activate: at every WorkflowTaskStarted that completed (or is the last event), the jobs
 * of the waking events since the last such activation, in history order.
 */
function expectedActivations(events: readonly HistoryEvent[]): { at: number; jobs: string[] }[] {
  const out: { at: number; jobs: string[] }[] = [];
  const seqOf = new Map<number, number>();
  let jobs: string[] = [];
  events.forEach((ev, i) => {
    switch (ev.eventType) {
      case 'WorkflowExecutionStarted':
        jobs.push('start');
        break;
      case 'ActivityTaskScheduled':
        seqOf.set(ev.eventId, ev.attributes.seq);
        break;
      case 'ActivityTaskCompleted':
      case 'ActivityTaskFailed':
      case 'ActivityTaskTimedOut':
      case 'ActivityTaskCanceled':
        jobs.push(`resolveActivity ${seqOf.get(ev.attributes.scheduledEventId)}`);
        break;
      case 'TimerFired':
        jobs.push(`fireTimer ${ev.attributes.timerId}`);
        break;
      case 'WorkflowExecutionCancelRequested':
        jobs.push('cancelWorkflow');
        break;
      case 'WorkflowExecutionSignaled':
        jobs.push(`signal ${JSON.stringify(ev.attributes.input)}`);
        break;
      case 'WorkflowTaskStarted': {
        const next = events[i + 1];
        if (next === undefined || next.eventType === 'WorkflowTaskCompleted') {
          out.push({ at: ev.eventId, jobs });
          jobs = [];
        }
        break;
      }
      default:
        break;
    }
  });
  return out;
}

const RUNS = Number(process.env.WEFT_PROPERTY_RUNS ?? 400);

describe('engine properties (random inputs on one run)', () => {
  it('the generators reach every event type, timer kind and tricky path', () => {
    const reached: Reached = {
      eventTypes: new Set(),
      timerKinds: new Set(),
      bufferedFlushes: 0,
      transientCompletions: 0,
      eagerActivities: 0,
      rejectedCompletions: 0,
      staleRejections: 0,
    };
    let events = 0;
    continuations.taken = continuations.dropped = 0;
    const samples = fc.sample(scenarioArbitrary, { numRuns: 200, seed: 42 });
    for (const [start, actions] of samples)
      events += runScenario(start, actions, { finish: true, reached }).events.length;
    const allTypes = [
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowTaskFailed',
      'WorkflowTaskTimedOut',
      'ActivityTaskScheduled',
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      'ActivityTaskFailed',
      'ActivityTaskTimedOut',
      'ActivityTaskCancelRequested',
      'ActivityTaskCanceled',
      'TimerStarted',
      'TimerFired',
      'TimerCanceled',
      'MarkerRecorded',
      'UpsertWorkflowSearchAttributes',
      'WorkflowPropertiesModified',
      'WorkflowExecutionCancelRequested',
      'WorkflowExecutionSignaled',
      'WorkflowExecutionCompleted',
      'WorkflowExecutionFailed',
      'WorkflowExecutionCanceled',
      'WorkflowExecutionTerminated',
      'WorkflowExecutionTimedOut',
    ];
    expect([...reached.eventTypes].sort()).toEqual(allTypes.sort());
    expect([...reached.timerKinds].sort()).toEqual(
      [
        'act-hb',
        'act-retry',
        'act-s2c',
        'act-s2s',
        'act-stc',
        'execution-timeout',
        'run-timeout',
        'timer',
        'wt-retry',
        'wt-stc',
        'wt-sticky',
      ].sort(),
    );
    expect(events / samples.length).toBeGreaterThan(30);
    expect(reached.bufferedFlushes).toBeGreaterThan(50);
    expect(reached.transientCompletions).toBeGreaterThan(20);
    expect(reached.eagerActivities).toBeGreaterThan(20);
    expect(reached.rejectedCompletions).toBeGreaterThan(5);
    expect(reached.staleRejections).toBeGreaterThan(50);
    // continued workflow tasks: taken when history was as the worker claimed, dropped when it was not
    expect(continuations.taken, JSON.stringify(continuations)).toBeGreaterThan(5);
    expect(continuations.dropped, JSON.stringify(continuations)).toBeGreaterThan(10);
  });

  it('keeps every invariant after every input, and any run can be brought to its end', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ([start, actions]) => {
        runScenario(start, actions);
      }),
      { numRuns: RUNS },
    );
  });

  it('histories are dense, closed by one close event, and every scheduled activity ended exactly once', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ([start, actions]) => {
        const d = runScenario(start, actions);
        const h = checkInvariants(d);
        expect(h.closeEvent).toBeDefined();
        expect(d.events.map((e) => e.eventId)).toEqual(d.events.map((_, i) => i + 1));
        // a closed run drops what was pending: ended at most once (the invariants), and nothing more after
        expect(d.tasks.size + d.timers.size).toBe(0);
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });

  it('a workflow task completion lands its command events right after WorkflowTaskCompleted (replay layout)', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ([start, actions]) => {
        const d = runScenario(start, actions);
        // replay as a worker would: walk the history, match each completed task's commands to the events after it
        let expected: Command[] = [];
        let completedTasks = 0;
        for (let i = 0; i < d.events.length; i++) {
          const ev = d.events[i]!;
          if (ev.eventType === 'WorkflowTaskCompleted') {
            expect(expected).toEqual([]);
            const cmds = d.completions.get(ev.attributes.startedEventId)!;
            const end = cmds.findIndex((c) => c.type.endsWith('WorkflowExecution'));
            expected = end < 0 ? [...cmds] : cmds.slice(0, end + 1);
            completedTasks++;
            continue;
          }
          const isCommandEvent = [
            'ActivityTaskScheduled',
            'ActivityTaskCancelRequested',
            'TimerStarted',
            'TimerCanceled',
            'MarkerRecorded',
            'UpsertWorkflowSearchAttributes',
            'WorkflowPropertiesModified',
            'WorkflowExecutionCompleted',
            'WorkflowExecutionFailed',
            'WorkflowExecutionCanceled',
          ].includes(ev.eventType);
          if (isCommandEvent) {
            const cmd = expected.shift();
            expect(cmd, `event ${ev.eventId} ${ev.eventType} has no command`).toBeDefined();
          } else {
            expect(expected, `event ${ev.eventId} ${ev.eventType} interrupts the command events`).toEqual([]);
          }
        }
        expect(expected).toEqual([]);
        expect(completedTasks).toBe(d.completions.size);
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });

  it("replays through the worker's WorkflowMachine: no nondeterminism, and every waking event reaches the workflow once", () => {
    fc.assert(
      fc.property(scenarioArbitrary, fc.boolean(), ([start, actions], finishRun) => {
        const d = runScenario(start, actions, { finish: finishRun });
        const sandbox = new ScriptedSandbox(d.completions);
        const run = { namespace: 'default', workflowId: 'wf-1', runId: 'run-1', workflowType: 'Flow', taskQueue: 'q' };
        const machine = new WorkflowMachine(sandbox as unknown as WorkflowSandbox, run);
        // the history as a worker receives it: all of it, plus the events of a transient task it was handed
        const events = [...d.events];
        const wt = d.closed ? undefined : d.state.workflowTask;
        if (wt?.state === 'started' && wt.transient && d.lastDispatch?.id === wt.id)
          events.push(...d.lastDispatch.transientEvents);
        machine.apply(events);
        machine.finishReplay();
        expect(sandbox.activations.map((a) => ({ at: a.historyLength, jobs: a.jobs.map(describeJob) }))).toEqual(
          expectedActivations(events),
        );
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });

  it('is deterministic: the same inputs give the same history, rows and state', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ([start, actions]) => {
        const a = runScenario(start, actions);
        const b = runScenario(start, actions);
        expect(b.events).toEqual(a.events);
        expect(b.state).toEqual(a.state);
        expect([...b.timers.entries()]).toEqual([...a.timers.entries()]);
      }),
      { numRuns: 30 },
    );
  });

  it('never writes a transient workflow task that did not complete', () => {
    // many failures in a row: only the first is recorded, then one Scheduled/Started/Completed for the success
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.boolean(), (failures, timeOutInstead) => {
        const d = new EngineDriver();
        d.start({ workflowTaskTimeoutMs: 1000 });
        for (let i = 0; i < failures; i++) {
          d.advanceTo(d.dueOrder().find((r) => r.key.startsWith('wt-retry'))?.dueAt ?? d.now);
          d.dispatchWorkflowTask();
          if (timeOutInstead) d.fire(keys.wtStartToClose(d.state.workflowTask!.id));
          else d.failWorkflowTask();
          checkInvariants(d);
        }
        d.advanceTo(d.dueOrder().find((r) => r.key.startsWith('wt-retry'))?.dueAt ?? d.now);
        d.dispatchWorkflowTask();
        d.completeWorkflowTask([{ type: 'CompleteWorkflowExecution' }]);
        checkInvariants(d);
        expect(d.eventTypes()).toEqual([
          'WorkflowExecutionStarted',
          'WorkflowTaskScheduled',
          'WorkflowTaskStarted',
          timeOutInstead ? 'WorkflowTaskTimedOut' : 'WorkflowTaskFailed',
          'WorkflowTaskScheduled',
          'WorkflowTaskStarted',
          'WorkflowTaskCompleted',
          'WorkflowExecutionCompleted',
        ]);
        expect(d.ofType('WorkflowTaskScheduled')[1]!.attributes.attempt).toBe(failures + 1);
      }),
      { numRuns: 30 },
    );
  });
});
