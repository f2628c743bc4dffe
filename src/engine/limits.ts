/** History limits: a run whose history grows past them fails, rather than slowing every replay down. */
import { closeRun } from './close.js';
import type { Transition } from './transition.js';

export function enforceHistoryLimits(t: Transition): void {
  const s = t.state;
  if (s.status !== 'Running') return;
  const events = s.nextEventId - 1;
  const bytes = s.historySizeBytes ?? 0;
  const { maxEvents, maxBytes } = t.limits;
  if (events < maxEvents && bytes < maxBytes) return;
  const what = events >= maxEvents ? `${events} events (limit ${maxEvents})` : `${bytes} bytes (limit ${maxBytes})`;
  const failure = {
    kind: 'application' as const,
    message: `history of workflow ${s.workflowId} run ${s.runId} reached ${what}: use continueAsNew() to start a fresh history before the limit (workflowInfo().continueAsNewSuggested turns true well before it)`,
    type: 'HistoryLimitExceeded',
    nonRetryable: true,
  };
  t.writeNow('WorkflowExecutionFailed', { failure, retryState: 'NON_RETRYABLE_FAILURE' });
  closeRun(t, { status: 'Failed', failure, retryState: 'NON_RETRYABLE_FAILURE' });
}
