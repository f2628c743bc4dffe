/** Task queues: which workers poll them (identity, build id, last seen) and their backlog. */
import type { JSX } from 'preact';
import { api, type DescribeTaskQueueResponse } from '../api.js';
import { Card, ErrorBox, Time } from '../components/common.js';
import { useLoad } from '../hooks.js';
import { Link, paths } from '../router.js';

function Pollers({ q }: { q: DescribeTaskQueueResponse }): JSX.Element {
  if (!q.pollers.length) return <span class="muted">No worker seen lately.</span>;
  return (
    <table class="table" data-testid="pollers">
      <thead>
        <tr>
          <th>Worker identity</th>
          <th>Build id</th>
          <th>Last seen</th>
          <th>Polling</th>
        </tr>
      </thead>
      <tbody>
        {q.pollers.map((p) => (
          <tr key={p.identity}>
            <td class="mono">{p.identity}</td>
            <td class="mono">{p.buildId ?? <span class="muted">—</span>}</td>
            <td>
              <Time value={p.lastAccessTime} relative />
            </td>
            <td>{p.polling ? <span class="tag tag-ok">polling</span> : <span class="muted">busy or idle</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function TaskQueuesPage({ ns }: { ns: string }): JSX.Element {
  const list = useLoad(() => api.listTaskQueues(ns), ns, 5000);
  const queues = list.data?.taskQueues ?? [];
  return (
    <div class="page">
      <div class="page-head">
        <h1>Task queues</h1>
        <span class="muted">queues with workers seen since the server started, or with registered workflow types</span>
      </div>
      <ErrorBox error={list.error} />
      <Card>
        {queues.length === 0 ? (
          <div class="empty-row">{list.loading ? 'Loading…' : 'No task queue seen yet: start a worker.'}</div>
        ) : (
          <table class="table" data-testid="task-queues-table">
            <thead>
              <tr>
                <th>Task queue</th>
                <th class="num">Workers</th>
                <th>Build ids</th>
                <th class="num">Workflow backlog</th>
                <th class="num">Activity backlog</th>
                <th>Last seen</th>
              </tr>
            </thead>
            <tbody>
              {queues.map((q) => {
                const last = q.pollers
                  .map((p) => p.lastAccessTime)
                  .sort()
                  .pop();
                const builds = [...new Set(q.pollers.map((p) => p.buildId).filter(Boolean))];
                return (
                  <tr key={q.taskQueue}>
                    <td class="mono">
                      <Link href={paths.taskQueue(ns, q.taskQueue)}>{q.taskQueue}</Link>
                    </td>
                    <td class="num">{q.pollers.length}</td>
                    <td class="mono small">{builds.join(', ') || <span class="muted">—</span>}</td>
                    <td class="num">{q.backlog.workflowTasks}</td>
                    <td class="num">{q.backlog.activityTasks}</td>
                    <td>{last ? <Time value={last} relative /> : <span class="muted">—</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}

export function TaskQueueDetailPage({ ns, taskQueue }: { ns: string; taskQueue: string }): JSX.Element {
  const q = useLoad(() => api.describeTaskQueue(ns, taskQueue), `${ns}|${taskQueue}`, 3000);
  return (
    <div class="page">
      <div class="page-head">
        <div>
          <div class="crumbs">
            <Link href={paths.taskQueues(ns)}>Task queues</Link> /
          </div>
          <h1 class="mono">{taskQueue}</h1>
        </div>
        <div class="spacer" />
        <Link class="btn" href={paths.workflows(ns, { query: `TaskQueue = '${taskQueue.replace(/'/g, "''")}'` })}>
          Its workflows →
        </Link>
      </div>
      <ErrorBox error={q.error} />
      {q.data ? (
        <>
          <div class="stats">
            <div class="stat stat-neutral">
              <span class="stat-count">{q.data.pollers.length}</span>
              <span class="stat-label">workers</span>
            </div>
            <div class="stat stat-neutral">
              <span class="stat-count">{q.data.backlog.workflowTasks}</span>
              <span class="stat-label">workflow tasks waiting</span>
            </div>
            <div class="stat stat-neutral">
              <span class="stat-count">{q.data.backlog.activityTasks}</span>
              <span class="stat-label">activity tasks waiting</span>
            </div>
          </div>
          <Card title="Workers">
            <Pollers q={q.data} />
          </Card>
        </>
      ) : null}
    </div>
  );
}
