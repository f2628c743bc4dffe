/** `listSchedules` with a query: the schedules of a namespace that pass it, a page at a time (src/schedules/schedule-query.ts). */
import { compileScheduleQuery, type ScheduleFilter } from '../../schedules/schedule-query.js';
import type { StoredSchedule } from '../../store/store.js';
import { QuerySyntaxError } from '../../visibility/query-ast.js';
import type { ServerContext } from '../context.js';
import { invalidQuery } from './list-workflows.js';

/** The query's filter; a bad query is 400 INVALID_QUERY with its position. */
export function scheduleFilter(text: string): ScheduleFilter {
  try {
    return compileScheduleQuery(text);
  } catch (e) {
    if (e instanceof QuerySyntaxError) throw invalidQuery(e);
    throw e;
  }
}

/** Up to `limit` schedules after `after` that pass `filter`, read from the store a page at a time. */
export async function matchingSchedules(
  ctx: ServerContext,
  namespace: string,
  filter: ScheduleFilter,
  after: string | undefined,
  limit: number,
): Promise<StoredSchedule[]> {
  const out: StoredSchedule[] = [];
  const batch = Math.max(limit, 100);
  for (let from = after; ;) {
    const page = await ctx.store.listSchedules(namespace, from, batch);
    for (const s of page) if (filter(s.state) && out.push(s) >= limit) return out;
    if (page.length < batch) return out;
    from = page[page.length - 1]!.state.scheduleId;
  }
}
