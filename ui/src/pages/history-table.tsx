/**
 * The history as a table: event id, time since the start, type, a one-line summary; a click shows the attributes.
 * Payloads show as the page's codec gives them (decoded, with a note, when a codec endpoint is set).
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { HistoryEvent } from '../api.js';
import type { PayloadView } from '../codec.js';
import { DecodeNote } from '../components/common.js';
import { formatDuration, formatTime, preview } from '../format.js';

function category(type: string): string {
  if (type.startsWith('WorkflowTask')) return 'wft';
  if (type.startsWith('Activity')) return 'activity';
  if (type.startsWith('Timer')) return 'timer';
  if (type.includes('Child')) return 'child';
  if (type.includes('Signal')) return 'signal';
  if (/Failed|TimedOut|Terminated/.test(type)) return 'bad';
  if (type.startsWith('WorkflowExecution')) return 'workflow';
  return 'other';
}

/** The attribute worth seeing first for each kind of event (an activity's or a timer's summary first). */
function summary(a: Record<string, unknown>): string {
  const failure = a.failure as { message?: string } | undefined;
  if (failure?.message) return `failure: ${failure.message}`;
  const parts: string[] = [];
  // the attributes as the codec shows them: a summary it could not decode is not a string
  const text = (a.userMetadata as { summary?: unknown } | undefined)?.summary;
  if (typeof text === 'string') parts.push(`summary: ${text.length > 80 ? `${text.slice(0, 79)}…` : text}`);
  for (const k of [
    'activityType',
    'activityId',
    'timerId',
    'signalName',
    'workflowType',
    'workflowId',
    'reason',
    'identity',
  ]) {
    if (a[k] !== undefined && a[k] !== '') parts.push(`${k}: ${String(a[k])}`);
  }
  if (a.startToFireTimeoutMs !== undefined) parts.push(`fires in ${formatDuration(Number(a.startToFireTimeoutMs))}`);
  if (a.attempt !== undefined && Number(a.attempt) > 1) parts.push(`attempt ${String(a.attempt)}`);
  if ('result' in a) parts.push(`result: ${preview(a.result, 80)}`);
  if ('input' in a && Array.isArray(a.input) && a.input.length) parts.push(`input: ${preview(a.input, 80)}`);
  return parts.join(' · ');
}

export function HistoryTable({ events, codec }: { events: HistoryEvent[]; codec: PayloadView }): JSX.Element {
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());
  const start = events[0] ? new Date(events[0].eventTime).getTime() : 0;
  const toggle = (id: number): void => {
    const next = new Set(open);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setOpen(next);
  };
  return (
    <table class="table history" data-testid="history-table">
      <thead>
        <tr>
          <th class="num">#</th>
          <th>Time</th>
          <th>Type</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => {
          const isOpen = open.has(e.eventId);
          const attrs = codec.show(e.attributes as unknown as Record<string, unknown>);
          return [
            <tr key={e.eventId} class={`clickable ${isOpen ? 'open' : ''}`} onClick={() => toggle(e.eventId)}>
              <td class="num muted">{e.eventId}</td>
              <td class="nowrap" title={formatTime(e.eventTime)}>
                {e.eventId === 1
                  ? formatTime(e.eventTime)
                  : `+${formatDuration(new Date(e.eventTime).getTime() - start)}`}
              </td>
              <td class="nowrap">
                <span class={`ev ev-${category(e.eventType)}`}>{e.eventType}</span>
              </td>
              <td class="ellipsis muted">
                <span class="chev">{isOpen ? '▾' : '▸'}</span> {summary(attrs.value)}
              </td>
            </tr>,
            isOpen ? (
              <tr key={`${e.eventId}-attrs`} class="attrs-row">
                <td />
                <td colSpan={3}>
                  <DecodeNote status={attrs.status} />
                  <pre class="json">{JSON.stringify(attrs.value, null, 2)}</pre>
                </td>
              </tr>
            ) : null,
          ];
        })}
      </tbody>
    </table>
  );
}
