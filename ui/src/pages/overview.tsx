/** The front page: what runs, what failed lately, what is stuck. */
import type { JSX } from 'preact';
import { api } from '../api.js';
import { Card, ErrorBox, Time } from '../components/common.js';
import { ExecutionsTable } from '../components/executions-table.js';
import { quote } from '../format.js';
import { useLoad } from '../hooks.js';
import { Link, paths } from '../router.js';

/** Failed or timed out in the last 24 hours (to the minute, so repeated polls ask the same). */
export function recentFailuresQuery(): string {
  const since = new Date(Math.floor((Date.now() - 86_400_000) / 60_000) * 60_000).toISOString();
  return `ExecutionStatus IN ('Failed', 'TimedOut') AND CloseTime > '${since}'`;
}

function CountCard(props: { label: string; count: number | undefined; href: string; tone: string }): JSX.Element {
  return (
    <Link href={props.href} class={`stat stat-${props.tone}`}>
      <span class="stat-count">{props.count ?? '…'}</span>
      <span class="stat-label">{props.label}</span>
    </Link>
  );
}

export function OverviewPage({ ns }: { ns: string }): JSX.Element {
  const poll = 5000;
  const running = useLoad(() => api.countWorkflows(ns, `ExecutionStatus = 'Running'`), `r:${ns}`, poll);
  const failedQuery = recentFailuresQuery();
  const failed = useLoad(() => api.countWorkflows(ns, recentFailuresQuery()), `f:${ns}`, poll);
  const total = useLoad(() => api.countWorkflows(ns), `t:${ns}`, poll);
  const stuck = useLoad(() => api.stuckWorkflows(ns), `s:${ns}`, 15000);
  const unserved = useLoad(() => api.unservedWorkflowTypes(ns), `u:${ns}`, poll);
  const recentFailed = useLoad(
    () => api.listWorkflows(ns, { query: `${recentFailuresQuery()} ORDER BY CloseTime DESC`, pageSize: 10 }),
    `rf:${ns}`,
    poll,
  );
  const recentRunning = useLoad(
    () => api.listWorkflows(ns, { query: `ExecutionStatus = 'Running' ORDER BY StartTime DESC`, pageSize: 10 }),
    `rr:${ns}`,
    poll,
  );
  return (
    <div class="page">
      <div class="page-head">
        <h1>Overview</h1>
        <span class="muted">namespace {ns}</span>
      </div>
      <div class="stats">
        <CountCard
          label="running"
          count={running.data?.count}
          href={paths.workflows(ns, { status: 'Running' })}
          tone="running"
        />
        <CountCard
          label="failed or timed out, last 24 h"
          count={failed.data?.count}
          href={paths.workflows(ns, { query: failedQuery })}
          tone="failed"
        />
        {stuck.data ? (
          <CountCard
            label="stuck (no progress)"
            count={stuck.data.length}
            href="#stuck"
            tone={stuck.data.length ? 'stuck' : 'ok'}
          />
        ) : null}
        <CountCard label="workflows in all" count={total.data?.count} href={paths.workflows(ns)} tone="neutral" />
      </div>
      <ErrorBox error={running.error ?? recentFailed.error} />
      {unserved.data && unserved.data.length > 0 ? (
        <Card title="Waiting for a worker: no live worker serves these workflow types" class="card-warn">
          <table class="table" id="unserved">
            <thead>
              <tr>
                <th>Workflow type</th>
                <th>Task queue</th>
                <th>Running</th>
              </tr>
            </thead>
            <tbody>
              {unserved.data.map((u) => (
                <tr key={`${u.taskQueue}\u0000${u.workflowType}`}>
                  <td>{u.workflowType}</td>
                  <td class="mono">
                    <Link href={paths.taskQueue(ns, u.taskQueue)}>{u.taskQueue}</Link>
                  </td>
                  <td>
                    <Link
                      href={paths.workflows(ns, {
                        query: `ExecutionStatus = 'Running' AND WorkflowType = ${quote(u.workflowType)}`,
                      })}
                    >
                      {u.running}
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ) : null}
      {stuck.data && stuck.data.length > 0 ? (
        <Card title="Stuck: running with no progress" class="card-warn">
          <table class="table" id="stuck">
            <thead>
              <tr>
                <th>Workflow id</th>
                <th>Type</th>
                <th>Started</th>
                <th>Last progress</th>
                <th>Worker</th>
              </tr>
            </thead>
            <tbody>
              {stuck.data.map((s) => (
                <tr key={s.runId}>
                  <td class="mono">
                    <Link href={paths.execution(ns, s.workflowId, s.runId)}>{s.workflowId}</Link>
                  </td>
                  <td>{s.workflowType}</td>
                  <td>
                    <Time value={s.startTime} />
                  </td>
                  <td>
                    <Time value={s.lastProgressTime} relative />
                  </td>
                  <td>
                    {s.typeServed === false ? <span class="badge status-Failed">no worker for its type</span> : 'yes'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ) : null}
      <Card
        title="Failed lately"
        actions={<Link href={paths.workflows(ns, { query: failedQuery })}>all failures →</Link>}
      >
        <ExecutionsTable
          ns={ns}
          executions={recentFailed.data?.executions ?? []}
          empty="No failures in the last 24 hours."
        />
      </Card>
      <Card
        title="Running, newest first"
        actions={<Link href={paths.workflows(ns, { status: 'Running' })}>all running →</Link>}
      >
        <ExecutionsTable ns={ns} executions={recentRunning.data?.executions ?? []} empty="Nothing is running." />
      </Card>
    </div>
  );
}
