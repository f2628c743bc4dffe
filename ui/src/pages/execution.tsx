/**
 * One execution: summary, input and outcome, what is pending, actions, the history as a table, a timeline and
 * raw JSON, and a query to send to the run. Polls while the run is open; the history is fetched in pages of 1,000 events, appended as it grows.
 * With a codec endpoint set (codec.ts), the payloads of the describe answer and of the history show decoded.
 */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type DescribeWorkflowResponse, type HistoryEvent } from '../api.js';
import { usePayloadCodec, type DecodeStatus, type PayloadView } from '../codec.js';
import { Card, ErrorBox, Field, FailureView, JsonBlock, StatusBadge, Time } from '../components/common.js';
import { formatDuration } from '../format.js';
import { useLoad } from '../hooks.js';
import { Link, navigate, paths } from '../router.js';
import { ExecutionActions } from './execution-actions.js';
import { QueryPanel } from './execution-query.js';
import { HistoryTable } from './history-table.js';
import { Timeline } from './timeline.js';

const PAGE = 1000;
type Tab = 'history' | 'timeline' | 'json' | 'query';

function useHistory(ns: string, workflowId: string, runId: string | undefined, historyLength: number | undefined) {
  const [events, setEvents] = useState<HistoryEvent[]>([]);
  const [limit, setLimit] = useState(PAGE);
  const [error, setError] = useState<unknown>();
  const busy = useRef(false);
  const runKey = `${ns}|${workflowId}|${runId ?? ''}`;
  const current = useRef(runKey);
  useEffect(() => {
    current.current = runKey;
    setEvents([]);
    setLimit(PAGE);
    setError(undefined);
  }, [runKey]);
  useEffect(() => {
    if (!runId || historyLength === undefined || busy.current) return;
    if (events.length >= historyLength || events.length >= limit) return;
    busy.current = true;
    const key = runKey;
    const from = events.length + 1;
    api
      .history(ns, workflowId, runId, from, Math.min(PAGE, limit - events.length))
      .then((h) => {
        if (current.current !== key) return;
        setEvents((prev) => (prev.length === from - 1 ? [...prev, ...h.events] : prev));
      }, setError)
      .finally(() => {
        busy.current = false;
      });
  }, [runKey, historyLength, events.length, limit]);
  return {
    events,
    error,
    more: historyLength !== undefined && events.length < historyLength && events.length >= limit,
    loadMore: () => setLimit(limit + PAGE * 5),
  };
}

/** A summary's text (Temporal's user metadata), once decoded; undefined while the codec cannot read it. */
function readableText(codec: PayloadView, value: unknown): string | undefined {
  const shown = codec.show(value).value;
  return typeof shown === 'string' ? shown : undefined;
}

/** A start's staticSummary / staticDetails: the text, once decoded (an encoded payload the codec could not read: a note). */
function metadataText(codec: PayloadView, value: unknown): JSX.Element | null {
  if (value === undefined) return null;
  const shown = readableText(codec, value);
  return shown !== undefined ? (
    <span class="metadata-text">{shown}</span>
  ) : (
    <span class="muted">encoded (set a codec endpoint to read it)</span>
  );
}

function priorityText(p: NonNullable<DescribeWorkflowResponse['execution']['priority']>): string {
  const parts: string[] = [];
  if (p.priorityKey !== undefined) parts.push(`key ${p.priorityKey}`);
  if (p.fairnessKey !== undefined) parts.push(`fairness ${p.fairnessKey}`);
  if (p.fairnessWeight !== undefined) parts.push(`weight ${p.fairnessWeight}`);
  return parts.join(' · ');
}

function Summary({ d, ns, codec }: { d: DescribeWorkflowResponse; ns: string; codec: PayloadView }): JSX.Element {
  const x = d.execution;
  const end = x.closeTime ? new Date(x.closeTime).getTime() : Date.now();
  return (
    <dl class="fields">
      {x.userMetadata?.summary !== undefined ? (
        <Field label="Summary">{metadataText(codec, x.userMetadata.summary)}</Field>
      ) : null}
      {x.userMetadata?.details !== undefined ? (
        <Field label="Details">{metadataText(codec, x.userMetadata.details)}</Field>
      ) : null}
      <Field label="Status">
        <StatusBadge status={x.status} />
        {x.cancelRequested && x.status === 'Running' ? <span class="tag tag-warn">cancel requested</span> : null}
      </Field>
      <Field label="Type">{x.workflowType}</Field>
      <Field label="Task queue">
        <Link href={paths.taskQueue(ns, x.taskQueue)}>{x.taskQueue}</Link>
      </Field>
      <Field label="Started">
        <Time value={x.startTime} relative />
      </Field>
      {x.executionTime ? (
        <Field label="First task from">
          <Time value={x.executionTime} relative />
        </Field>
      ) : null}
      <Field label="Closed">{x.closeTime ? <Time value={x.closeTime} relative /> : null}</Field>
      <Field label="Duration">{formatDuration(end - new Date(x.startTime).getTime())}</Field>
      <Field label="History length">{x.historyLength.toLocaleString()} events</Field>
      <Field label="Attempt">{x.attempt}</Field>
      {x.priority ? <Field label="Priority">{priorityText(x.priority)}</Field> : null}
      <Field label="Build id">{x.lastBuildId ? <span class="mono">{x.lastBuildId}</span> : null}</Field>
      <Field label="Run id">
        <span class="mono small">{x.runId}</span>
      </Field>
      <Field label="Parent">
        {x.parent ? (
          <Link class="mono" href={paths.execution(ns, x.parent.workflowId, x.parent.runId)}>
            {x.parent.workflowId}
          </Link>
        ) : null}
      </Field>
      <Field label="First run">
        {x.firstRunId !== x.runId ? (
          <Link class="mono small" href={paths.execution(ns, x.workflowId, x.firstRunId)}>
            {x.firstRunId}
          </Link>
        ) : (
          <span class="muted">this run</span>
        )}
      </Field>
    </dl>
  );
}

function Outcome(props: { d: DescribeWorkflowResponse; ns: string; codec: PayloadView }): JSX.Element | null {
  const { d, ns } = props;
  const r = d.result;
  if (!r) return <span class="muted">Running: no result yet.</span>;
  const result = props.codec.show(r.result);
  return (
    <div>
      {r.failure ? <FailureView failure={r.failure} /> : null}
      {r.reason ? (
        <p>
          Reason: <b>{r.reason}</b>
        </p>
      ) : null}
      {'result' in r && r.result !== undefined ? (
        <JsonBlock value={result.value} label="Result" decoding={result.status} />
      ) : null}
      {r.newExecutionRunId ? (
        <p>
          Continued in{' '}
          <Link class="mono" href={paths.execution(ns, d.execution.workflowId, r.newExecutionRunId)}>
            {r.newExecutionRunId}
          </Link>
        </p>
      ) : null}
      {!r.failure && !r.reason && r.result === undefined && !r.newExecutionRunId ? (
        <span class="muted">{d.execution.status}, no value.</span>
      ) : null}
    </div>
  );
}

function Pending({ d, ns }: { d: DescribeWorkflowResponse; ns: string }): JSX.Element | null {
  const { pendingActivities: acts, pendingChildren: kids, pendingTimers: timers, pendingWorkflowTask: wft } = d;
  if (!acts.length && !kids.length && !timers.length && !wft) return null;
  return (
    <Card title="Pending">
      {wft ? (
        <p class="small">
          Workflow task <b>{wft.state.toLowerCase()}</b>, attempt {wft.attempt}, scheduled{' '}
          <Time value={wft.scheduledTime} relative />
          {wft.lastFailure ? <FailureView failure={wft.lastFailure} /> : null}
        </p>
      ) : null}
      {acts.length ? (
        <table class="table" data-testid="pending-activities">
          <thead>
            <tr>
              <th>Activity</th>
              <th>State</th>
              <th class="num">Attempt</th>
              <th>Scheduled</th>
              <th>Last heartbeat</th>
              <th>Last failure</th>
            </tr>
          </thead>
          <tbody>
            {acts.map((a) => (
              <tr key={a.activityId}>
                <td>
                  {a.activityType} <span class="muted small">#{a.activityId}</span>
                </td>
                <td>
                  <span class={`tag ${a.state === 'BACKOFF' ? 'tag-warn' : ''}`}>{a.state}</span>
                </td>
                <td class="num">
                  {a.attempt}
                  {a.maximumAttempts ? ` / ${a.maximumAttempts}` : ''}
                </td>
                <td>
                  <Time value={a.scheduledTime} relative />
                </td>
                <td>
                  {a.lastHeartbeatTime ? <Time value={a.lastHeartbeatTime} relative /> : <span class="muted">—</span>}
                </td>
                <td>{a.lastFailure ? <FailureView failure={a.lastFailure} /> : <span class="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {kids.length ? (
        <table class="table">
          <thead>
            <tr>
              <th>Child workflow</th>
              <th>Type</th>
              <th>State</th>
              <th>Parent close policy</th>
            </tr>
          </thead>
          <tbody>
            {kids.map((c) => (
              <tr key={c.initiatedEventId}>
                <td class="mono">
                  <Link href={paths.execution(ns, c.workflowId, c.runId)}>{c.workflowId}</Link>
                </td>
                <td>{c.workflowType}</td>
                <td>{c.state}</td>
                <td>{c.parentClosePolicy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {timers.length ? (
        <table class="table">
          <thead>
            <tr>
              <th>Timer</th>
              <th>Fires</th>
            </tr>
          </thead>
          <tbody>
            {timers.map((t) => (
              <tr key={t.timerId}>
                <td class="mono">{t.timerId}</td>
                <td>
                  <Time value={t.fireTime} relative />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Card>
  );
}

/** JsonBlock's props for `value` shown through the codec, wrapped by `wrap`. */
function shownJson<T>(
  codec: PayloadView,
  value: T,
  wrap: (v: T) => unknown = (v) => v,
): { value: unknown; decoding: DecodeStatus | undefined } {
  const shown = codec.show(value);
  return { value: wrap(shown.value), decoding: shown.status };
}

export function ExecutionPage(props: { ns: string; workflowId: string; runId?: string }): JSX.Element {
  const { ns, workflowId, runId } = props;
  const [tab, setTab] = useState<Tab>('history');
  const [fast, setFast] = useState(0);
  const key = `${ns}|${workflowId}|${runId ?? ''}`;
  const [open, setOpen] = useState(true);
  const desc = useLoad(
    () => api.describeWorkflow(ns, workflowId, runId),
    key,
    open ? (fast > Date.now() ? 700 : 2000) : undefined,
  );
  const d = desc.data;
  useEffect(() => {
    if (d) setOpen(d.execution.status === 'Running');
  }, [d?.execution.status]);
  // a link without a run id shows the current run: name it in the URL, so the page stays on this run
  useEffect(() => {
    if (d && !runId) navigate(paths.execution(ns, workflowId, d.execution.runId), { replace: true });
  }, [d?.execution.runId, runId]);
  const history = useHistory(ns, workflowId, d?.execution.runId, d?.execution.historyLength);
  const input = (history.events[0]?.attributes as { input?: unknown[] } | undefined)?.input;
  // one decode request for what the page shows (the answers are kept: a poll asks only for new payloads)
  const codec = usePayloadCodec(ns, [d, history.events]);
  const shownInput = codec.show(input);
  return (
    <div class="page">
      <div class="page-head">
        <div>
          <div class="crumbs">
            <Link href={paths.workflows(ns)}>Workflows</Link> /
          </div>
          <h1 class="mono">{workflowId}</h1>
        </div>
        {d ? <StatusBadge status={d.execution.status} /> : null}
        <div class="spacer" />
        {d && d.execution.status === 'Running' ? (
          <ExecutionActions
            ns={ns}
            workflowId={workflowId}
            runId={d.execution.runId}
            onDone={() => {
              setFast(Date.now() + 15_000);
              setOpen(true);
              desc.reload();
            }}
          />
        ) : null}
      </div>
      <ErrorBox error={desc.error} />
      {!d && desc.loading ? <div class="empty-row">Loading…</div> : null}
      {d ? (
        <>
          <div class="grid-2">
            <Card title="Summary">
              <Summary d={d} ns={ns} codec={codec} />
            </Card>
            <div class="stack-cards">
              <Card title="Input">
                {input ? (
                  <JsonBlock value={shownInput.value} label="Input" decoding={shownInput.status} />
                ) : (
                  <span class="muted">…</span>
                )}
              </Card>
              <Card title={d.result?.failure ? 'Failure' : 'Result'}>
                <Outcome d={d} ns={ns} codec={codec} />
              </Card>
            </div>
          </div>
          <Pending d={d} ns={ns} />
          <Card
            title={
              <div class="tabs" role="tablist">
                {(['history', 'timeline', 'json', 'query'] as const).map((t) => (
                  <button
                    key={t}
                    type="button"
                    role="tab"
                    aria-selected={tab === t}
                    class={tab === t ? 'tab active' : 'tab'}
                    onClick={() => setTab(t)}
                  >
                    {t === 'history'
                      ? `History (${d.execution.historyLength})`
                      : t === 'timeline'
                        ? 'Timeline'
                        : t === 'json'
                          ? 'Raw JSON'
                          : 'Query'}
                  </button>
                ))}
              </div>
            }
          >
            <ErrorBox error={history.error} />
            {tab === 'history' ? <HistoryTable events={history.events} codec={codec} /> : null}
            {tab === 'timeline' ? (
              <Timeline events={history.events} now={Date.now()} summaryText={(v) => readableText(codec, v)} />
            ) : null}
            {tab === 'query' ? <QueryPanel ns={ns} workflowId={workflowId} runId={d.execution.runId} /> : null}
            {tab === 'json' ? (
              <div class="grid-2">
                <div>
                  <h3>describe</h3>
                  <JsonBlock {...shownJson(codec, d)} />
                </div>
                <div>
                  <h3>history</h3>
                  <JsonBlock {...shownJson(codec, history.events, (events) => ({ events }))} />
                </div>
              </div>
            ) : null}
            {history.more ? (
              <button type="button" class="btn" onClick={history.loadMore}>
                Load more events ({history.events.length.toLocaleString()} of{' '}
                {d.execution.historyLength.toLocaleString()} shown)
              </button>
            ) : null}
          </Card>
        </>
      ) : null}
    </div>
  );
}
