/** A run's history, in pages of events. */
import type { HistoryResponse } from '../../protocol/api.js';
import type { ServerContext } from '../context.js';
import { loadRun } from './resolve-run.js';

export const DEFAULT_HISTORY_PAGE = 10_000;

/**
 * The page is read from the store, which holds every committed event: the run's cached state names the run but
 * does not bound the page, so a server whose cached copy lags (in a cluster, until a notice or a resync drops it)
 * still answers the whole committed history. A page that fills up says where the next one starts.
 */
export async function workflowHistory(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  opts: { runId?: string; fromEventId?: number; maxEvents?: number },
): Promise<HistoryResponse> {
  const { state } = await loadRun(ctx, namespace, workflowId, opts.runId);
  const from = opts.fromEventId ?? 1;
  const max = opts.maxEvents ?? DEFAULT_HISTORY_PAGE;
  const events = await ctx.store.readEvents(state.runId, from, from + max - 1);
  // a full page may have more behind it; the cached state says whether it surely has (the last page may be empty)
  return events.length === max && (state.status === 'Running' || from + max <= state.nextEventId - 1)
    ? { events, nextEventId: from + max }
    : { events };
}
