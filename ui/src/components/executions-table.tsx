/** A table of executions (list page, overview): id, type, status, times; each row links to its execution. */
import type { JSX } from 'preact';
import type { WorkflowExecutionInfo } from '../api.js';
import { formatDuration } from '../format.js';
import { Link, paths } from '../router.js';
import { StatusBadge, Time } from './common.js';

export function ExecutionsTable(props: {
  ns: string;
  executions: WorkflowExecutionInfo[];
  onType?: (type: string) => void;
  empty?: string;
}): JSX.Element {
  const now = Date.now();
  if (props.executions.length === 0) return <div class="empty-row">{props.empty ?? 'No workflows.'}</div>;
  return (
    <table class="table executions">
      <thead>
        <tr>
          <th>Status</th>
          <th>Workflow id</th>
          <th>Type</th>
          <th>Started</th>
          <th>Closed</th>
          <th class="num">Duration</th>
        </tr>
      </thead>
      <tbody>
        {props.executions.map((e) => {
          const end = e.closeTime ? new Date(e.closeTime).getTime() : now;
          return (
            <tr key={e.runId} data-status={e.status}>
              <td>
                <StatusBadge status={e.status} />
              </td>
              <td class="mono ellipsis">
                <Link href={paths.execution(props.ns, e.workflowId, e.runId)} title={`run ${e.runId}`}>
                  {e.workflowId}
                </Link>
              </td>
              <td>
                {props.onType ? (
                  <button
                    type="button"
                    class="linkish"
                    title="Filter by this type"
                    onClick={() => props.onType!(e.workflowType)}
                  >
                    {e.workflowType}
                  </button>
                ) : (
                  e.workflowType
                )}
              </td>
              <td>
                <Time value={e.startTime} />
              </td>
              <td>
                <Time value={e.closeTime} />
              </td>
              <td class="num">{formatDuration(end - new Date(e.startTime).getTime())}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
