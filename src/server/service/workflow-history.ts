/** A run's history, in pages of events. */
import type { HistoryResponse } from '../../protocol/api.js';
import type { ServerContext } from '../context.js';
import { loadRun } from './resolve-run.js';

export const DEFAULT_HISTORY_PAGE = 10_000;

export async function workflowHistory(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  opts: { runId?: string; fromEventId?: number; maxEvents?: number },
): Promise<HistoryResponse> {
  const { state } = await loadRun(ctx, namespace, workflowId, opts.runId);
  const last = state.nextEventId - 1;
  const from = opts.fromEventId ?? 1;
  const to = Math.min(last, from + (opts.maxEvents ?? DEFAULT_HISTORY_PAGE) - 1);
  const events = to >= from ? await ctx.store.readEvents(state.runId, from, to) : [];
  return to < last ? { events, nextEventId: to + 1 } : { events };
}
