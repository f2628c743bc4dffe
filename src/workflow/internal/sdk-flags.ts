/**
 * SDK flags (Temporal's name): a change to what workflow code produces, for the same code and history, is made
 * under a flag so that histories recorded before it still replay. A workflow task run live uses every flag and
 * records the ones it consulted in its WorkflowTaskCompleted event (`sdkFlags`); a replayed task uses a flag only
 * when that task, or one before it in the run, recorded it. So an old history replays with the old behaviour,
 * and a run keeps the new one from the first task that used it.
 */
export const SdkFlags = {
  /**
   * Cancelling the scope of a child workflow as Temporal does: a `TRY_CANCEL` child is asked to cancel; a child
   * given up on (`TRY_CANCEL`, `ABANDON`, `WAIT_CANCELLATION_REQUESTED`) rejects its result with a
   * `ChildWorkflowFailure` caused by the cancellation; a child cancelled before its start command went out is
   * not started, and its start rejects the same way. Before it: no request for `TRY_CANCEL`, a bare
   * `CancelledFailure`, and the child started anyway.
   */
  ChildCancellationAsTemporal: 1,
  /**
   * The first workflow task applies its signals and a cancel request before the workflow function starts, as
   * Temporal does (a signal-with-start's signal reaches its handler as soon as the handler is set). Before it:
   * the function ran up to its first await, then the signals were applied.
   */
  SignalsBeforeStart: 2,
  /**
   * Durations of workflow timers as Temporal reads them: a negative `sleep`, `condition` timeout or
   * `CancellationScope` timeout waits 1 ms (before it: an InvalidDurationError, which failed the workflow task
   * again and again), and a scope timeout of 0 means none (before it: the scope was cancelled at once).
   */
  TimerDurationsAsTemporal: 3,
  /**
   * Every activation in Temporal's order: its signals and updates before its other jobs (a fired timer, an
   * activity's outcome), conditions checked after each job, and `condition(fn)` checks `fn` when it is called.
   * So `condition(() => approved, '1h')` sees a signal that came in the same workflow task as its timer's fire.
   * Before it: jobs in history order, conditions checked once all of them had run.
   */
  ActivationOrderAsTemporal: 4,
} as const;

export type SdkFlag = (typeof SdkFlags)[keyof typeof SdkFlags];

/** The flags a run knows, and the ones its current live task consulted first. */
export class SdkFlagSet {
  private readonly known = new Set<number>();
  private used: number[] = [];

  /** Flags recorded by the task being replayed (its WorkflowTaskCompleted). */
  addRecorded(flags: readonly number[] | undefined): void {
    for (const f of flags ?? []) this.known.add(f);
  }

  /**
   * Whether the behaviour under `flag` applies now; live, the flag is recorded for this task. Live on a server
   * that would not record it (`recordable` false), no new behaviour is used (Temporal's core does the same).
   */
  has(flag: SdkFlag, isReplaying: boolean, recordable = true): boolean {
    if (this.known.has(flag)) return true;
    if (isReplaying || !recordable) return false;
    this.known.add(flag);
    this.used.push(flag);
    return true;
  }

  /** The flags this task consulted first (for its completion), cleared. */
  take(): number[] | undefined {
    if (this.used.length === 0) return undefined;
    const used = this.used;
    this.used = [];
    return used;
  }
}
