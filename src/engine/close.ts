/** Closing a run: the one place a run leaves Running. */
import { attemptTimeouts } from './activity.js';
import { outboxOnClose } from './children.js';
import type { CloseOutcome } from './state.js';
import type { Transition } from './transition.js';

/**
 * Marks the run closed and drops everything pending. The caller has written the close event. The store removes
 * every task and timer row of a closed run in the same transaction.
 */
export function closeRun(t: Transition, outcome: CloseOutcome): void {
  const s = t.state;
  s.status = outcome.status;
  s.closeTime = t.now;
  s.outcome = outcome;
  outboxOnClose(t, outcome);
  delete s.workflowTask;
  t.clearBuffered();
  // the store drops the run's timer rows, but a started attempt's timeouts may live in the timer service alone
  // (Store.startedActivities): named here, they leave it now, not when they would have been due
  for (const a of Object.values(s.activities))
    for (const { key } of attemptTimeouts(s.runId, s.namespace, a)) t.removeTimer(key);
  t.clearActivities();
  s.timers = {};
  s.needsWorkflowTask = false;
  t.closed = true;
}
