/**
 * Change notices: what one server tells the others on the same database, so their caches, task queues,
 * timers and waiters follow what it committed. A notice is the sender's id, a newline, and a JSON array of
 * items; items are packed into notices of at most MAX_NOTICE_BYTES (PostgreSQL's NOTIFY takes 8000 bytes).
 *
 * Notices are hints: the store stays the truth. A server that misses some (its link was down) rereads what
 * they would have said (ClusterSync.resync).
 */
import type { TaskRow, TimerRow, Transition } from '../../engine/transition.js';
import type { QueryTask } from '../../protocol/tasks.js';
import { SCHEDULE_TIMER_KEY, scheduleTimerRunId, type ScheduleWrite } from '../../store/store.js';
import type { QueryAnswer } from '../service/query-workflow.js';

export const MAX_NOTICE_BYTES = 7900;

export type NoticeItem =
  /** A run changed to `version`; closed: 1; the updates that changed, or 1 for "any of them". */
  | ['r', string, number, 0 | 1, string[] | 1]
  /**
   * A task row: runId, key, namespace, taskQueue, kind, stickyIdentity, createdAt, and 1 when the sender hands it
   * out itself (a worker of that task queue polls it): the others then hold it back (ClusterSync.defer).
   */
  | ['t', string, string, string, string, TaskRow['kind'], string | null, number, 1?]
  /** Task rows removed (handed out, cancelled, their run closed): runId, keys. */
  | ['tx', string, string[]]
  /** A timer row added: runId, key, namespace, dueAt. */
  | ['ta', string, string, string, number]
  /** Timer rows removed: runId, keys. */
  | ['tr', string, string[]]
  /** A workflow definition changed: namespace, workflowType. */
  | ['d', string, string]
  /** A query waits for a worker: the task, and the identity of the worker that has the run cached. */
  | ['q', QueryTask, string | null]
  /** A query's answer, for the server whose caller waits for it. */
  | ['qa', string, QueryAnswer]
  /**
   * Workers were asked to stop: namespace, taskQueue, identity (null: all seen until `at`), at, and the worker
   * object's instance key when one stopped itself (absent from servers before it).
   */
  | ['ws', string, string, string | null, number, string?]
  /** The item is in a cluster message (too large for a notice): its id. */
  | ['m', string];

/** The items that tell other servers what a commit did. */
export function commitItems(
  commits: ReadonlyArray<{ transition: Transition; baseVersion: number }>,
  schedules: readonly ScheduleWrite[],
): NoticeItem[] {
  const runs: NoticeItem[] = [];
  const rest: NoticeItem[] = [];
  for (const { transition: t, baseVersion } of commits) {
    const s = t.state;
    runs.push(['r', s.runId, baseVersion + 1, t.closed ? 1 : 0, [...t.updatesChanged]]);
    for (const row of t.tasksAdded)
      rest.push([
        't',
        row.runId,
        row.key,
        row.namespace,
        row.taskQueue,
        row.kind,
        row.stickyIdentity ?? null,
        row.createdAt,
      ]);
    if (t.tasksRemoved.length > 0) rest.push(['tx', s.runId, [...t.tasksRemoved]]);
    if (t.timersRemoved.length > 0) rest.push(['tr', s.runId, [...t.timersRemoved]]);
    for (const r of t.timersAdded) rest.push(['ta', r.runId, r.key, r.namespace, r.dueAt]);
  }
  for (const w of schedules) {
    const runId = scheduleTimerRunId(w.namespace, w.scheduleId);
    rest.push(['tr', runId, [SCHEDULE_TIMER_KEY]]);
    if (w.wakeAt !== null && !w.deleted) rest.push(['ta', runId, SCHEDULE_TIMER_KEY, w.namespace, w.wakeAt]);
  }
  // run items first: a receiver drops its stale copy of a run before it hears of the run's new tasks
  return [...runs, ...rest];
}

const byteLength = (s: string): number => (s.length * 3 <= MAX_NOTICE_BYTES ? s.length : Buffer.byteLength(s));

/**
 * Packs items into notices from `sender`. An item too large for a notice is shrunk where it can be (a run's
 * update ids become "any"), else handed to `oversized` (which stores it and returns a small item instead).
 */
export function packNotices(
  sender: string,
  items: readonly NoticeItem[],
  oversized?: (json: string) => NoticeItem | undefined,
): string[] {
  const head = `${sender}\n[`;
  const out: string[] = [];
  let cur = head;
  for (const item of items) {
    let json = JSON.stringify(item);
    if (byteLength(head) + byteLength(json) + 1 > MAX_NOTICE_BYTES) {
      const small = item[0] === 'r' ? (['r', item[1], item[2], item[3], 1] as NoticeItem) : oversized?.(json);
      if (!small) continue;
      json = JSON.stringify(small);
    }
    if (cur !== head && byteLength(cur) + byteLength(json) + 2 > MAX_NOTICE_BYTES) {
      out.push(`${cur}]`);
      cur = head;
    }
    cur += cur === head ? json : `,${json}`;
  }
  if (cur !== head) out.push(`${cur}]`);
  return out;
}

/** The sender and items of a notice; undefined if it is not one of ours. */
export function parseNotice(payload: string): { sender: string; items: NoticeItem[] } | undefined {
  const nl = payload.indexOf('\n');
  if (nl < 0) return undefined;
  try {
    const items = JSON.parse(payload.slice(nl + 1)) as unknown;
    if (!Array.isArray(items)) return undefined;
    return { sender: payload.slice(0, nl), items: items as NoticeItem[] };
  } catch {
    return undefined;
  }
}

export function taskRowOf(item: Extract<NoticeItem, { 0: 't' }>): TaskRow {
  const [, runId, key, namespace, taskQueue, kind, sticky, createdAt] = item;
  return { runId, key, namespace, taskQueue, kind, createdAt, ...(sticky !== null ? { stickyIdentity: sticky } : {}) };
}

export function timerRowOf(item: Extract<NoticeItem, { 0: 'ta' }>): TimerRow {
  const [, runId, key, namespace, dueAt] = item;
  return { runId, key, namespace, dueAt };
}
