/**
 * The timeline of a run, from its history: the run itself, then one bar per activity, timer and child workflow
 * over time (scheduled → started → closed; open ones run to now), and signals as ticks.
 */
import type { JSX } from 'preact';
import type { HistoryEvent } from '../api.js';
import { formatDuration, formatTime } from '../format.js';

export interface TimelineBar {
  key: string;
  kind: 'workflow' | 'activity' | 'timer' | 'child';
  label: string;
  start: number;
  /** When it began to run (an activity's start; the backoff or queue time is before it). */
  running?: number;
  end?: number;
  state: 'open' | 'completed' | 'failed' | 'cancelled' | 'timedout' | 'fired';
  detail: string;
}

const t = (e: HistoryEvent): number => new Date(e.eventTime).getTime();
const attr = (e: HistoryEvent): Record<string, unknown> => e.attributes as unknown as Record<string, unknown>;

/** An activity's or a timer's summary (Temporal's user metadata) as text, when it can be read. */
export type SummaryText = (value: unknown) => string | undefined;

const summaryOf = (a: Record<string, unknown>, text: SummaryText | undefined): string | undefined => {
  const value = (a.userMetadata as { summary?: unknown } | undefined)?.summary;
  return value === undefined || !text ? undefined : text(value);
};

/**
 * Bars from the events, in the order things were scheduled. An activity or a timer with a summary is labelled
 * by it, as in Temporal's UI (the type or duration goes to the bar's detail).
 */
export function buildTimeline(
  events: HistoryEvent[],
  summaryText?: SummaryText,
): {
  bars: TimelineBar[];
  marks: Array<{ at: number; label: string }>;
} {
  const bars: TimelineBar[] = [];
  const byScheduled = new Map<number, TimelineBar>();
  const timers = new Map<string, TimelineBar>();
  const marks: Array<{ at: number; label: string }> = [];
  const first = events[0];
  if (!first) return { bars, marks };
  const run: TimelineBar = {
    key: 'run',
    kind: 'workflow',
    label: String(attr(first).workflowType ?? 'workflow'),
    start: t(first),
    state: 'open',
    detail: 'the run',
  };
  bars.push(run);
  for (const e of events) {
    const a = attr(e);
    const ref = (a.scheduledEventId ?? a.initiatedEventId) as number | undefined;
    switch (e.eventType) {
      case 'ActivityTaskScheduled': {
        const summary = summaryOf(a, summaryText);
        const b: TimelineBar = {
          key: `a${e.eventId}`,
          kind: 'activity',
          label: summary ?? `${String(a.activityType)} #${String(a.activityId)}`,
          start: t(e),
          state: 'open',
          detail: `activity ${String(a.activityType)} (id ${String(a.activityId)})`,
        };
        byScheduled.set(e.eventId, b);
        bars.push(b);
        break;
      }
      case 'ActivityTaskStarted': {
        const b = ref !== undefined ? byScheduled.get(ref) : undefined;
        if (b) {
          b.running = t(e);
          if (typeof a.attempt === 'number' && a.attempt > 1) b.detail += `, attempt ${a.attempt}`;
        }
        break;
      }
      case 'ActivityTaskCompleted':
      case 'ActivityTaskFailed':
      case 'ActivityTaskTimedOut':
      case 'ActivityTaskCanceled': {
        const b = ref !== undefined ? byScheduled.get(ref) : undefined;
        if (b) {
          b.end = t(e);
          b.state = endState(e.eventType);
        }
        break;
      }
      case 'TimerStarted': {
        const summary = summaryOf(a, summaryText);
        const b: TimelineBar = {
          key: `t${e.eventId}`,
          kind: 'timer',
          label: summary ?? `timer ${formatDuration(Number(a.startToFireTimeoutMs))}`,
          start: t(e),
          state: 'open',
          detail: `timer ${String(a.timerId)} (${formatDuration(Number(a.startToFireTimeoutMs))})`,
        };
        timers.set(String(a.timerId), b);
        bars.push(b);
        break;
      }
      case 'TimerFired':
      case 'TimerCanceled': {
        const b = timers.get(String(a.timerId));
        if (b) {
          b.end = t(e);
          b.state = e.eventType === 'TimerFired' ? 'fired' : 'cancelled';
        }
        break;
      }
      case 'StartChildWorkflowExecutionInitiated': {
        const b: TimelineBar = {
          key: `c${e.eventId}`,
          kind: 'child',
          label: `child ${String(a.workflowType)}`,
          start: t(e),
          state: 'open',
          detail: `child workflow ${String(a.workflowId)}`,
        };
        byScheduled.set(e.eventId, b);
        bars.push(b);
        break;
      }
      case 'ChildWorkflowExecutionStarted': {
        const b = ref !== undefined ? byScheduled.get(ref) : undefined;
        if (b) b.running = t(e);
        break;
      }
      case 'StartChildWorkflowExecutionFailed':
      case 'ChildWorkflowExecutionCompleted':
      case 'ChildWorkflowExecutionFailed':
      case 'ChildWorkflowExecutionCanceled':
      case 'ChildWorkflowExecutionTimedOut':
      case 'ChildWorkflowExecutionTerminated': {
        const b = ref !== undefined ? byScheduled.get(ref) : undefined;
        if (b) {
          b.end = t(e);
          b.state = endState(e.eventType);
        }
        break;
      }
      case 'WorkflowExecutionSignaled':
        marks.push({ at: t(e), label: `signal ${String(a.signalName)}` });
        break;
      case 'WorkflowExecutionCancelRequested':
        marks.push({ at: t(e), label: 'cancel requested' });
        break;
      case 'WorkflowExecutionCompleted':
      case 'WorkflowExecutionContinuedAsNew':
        run.end = t(e);
        run.state = 'completed';
        break;
      case 'WorkflowExecutionFailed':
      case 'WorkflowExecutionTerminated':
        run.end = t(e);
        run.state = 'failed';
        break;
      case 'WorkflowExecutionTimedOut':
        run.end = t(e);
        run.state = 'timedout';
        break;
      case 'WorkflowExecutionCanceled':
        run.end = t(e);
        run.state = 'cancelled';
        break;
      default:
        break;
    }
  }
  return { bars, marks };
}

const MAX_BARS = 500;

export function Timeline({
  events,
  now,
  summaryText,
}: {
  events: HistoryEvent[];
  now: number;
  summaryText?: SummaryText;
}): JSX.Element {
  const { bars, marks } = buildTimeline(events, summaryText);
  if (bars.length === 0) return <div class="empty-row">No events yet.</div>;
  const start = bars[0]!.start;
  const last = events[events.length - 1];
  const closed = bars[0]!.end !== undefined;
  const end = Math.max(closed ? bars[0]!.end! : now, last ? t(last) : start, start + 1);
  const span = end - start;
  const pct = (x: number): number => ((x - start) / span) * 100;
  const shown = bars.slice(0, MAX_BARS);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div class="timeline" data-testid="timeline">
      <div class="tl-row tl-axis">
        <div class="tl-label muted small">{formatTime(start)}</div>
        <div class="tl-track">
          {ticks.map((f) => (
            <span key={f} class="tl-tick" style={{ left: `${f * 100}%` }}>
              +{formatDuration(span * f)}
            </span>
          ))}
        </div>
      </div>
      {shown.map((b) => {
        const e = b.end ?? end;
        const title = `${b.detail}\n${b.state}\nscheduled ${formatTime(b.start)}${
          b.running ? `\nstarted +${formatDuration(b.running - b.start)}` : ''
        }\n${b.end ? `took ${formatDuration(b.end - b.start)}` : `open for ${formatDuration(now - b.start)}`}`;
        return (
          <div class={`tl-row tl-kind-${b.kind}`} key={b.key}>
            <div class="tl-label" title={b.label}>
              <span class={`tl-dot tl-${b.kind}`} />
              <span class="tl-label-text">{b.label}</span>
            </div>
            <div class="tl-track">
              <div
                class={`tl-bar tl-${b.kind} tl-state-${b.state}`}
                data-kind={b.kind}
                title={title}
                style={{ left: `${pct(b.start)}%`, width: `max(3px, ${pct(e) - pct(b.start)}%)` }}
              >
                {b.running && b.running > b.start ? (
                  <span
                    class="tl-wait"
                    style={{ width: `${((b.running - b.start) / Math.max(1, e - b.start)) * 100}%` }}
                  />
                ) : null}
                <span class="tl-bar-text">{formatDuration(e - b.start)}</span>
              </div>
            </div>
          </div>
        );
      })}
      {marks.length > 0 ? (
        <div class="tl-row">
          <div class="tl-label muted">signals, requests</div>
          <div class="tl-track">
            {marks.map((m, i) => (
              <span
                key={i}
                class="tl-mark"
                title={`${m.label} at ${formatTime(m.at)}`}
                style={{ left: `${pct(m.at)}%` }}
              />
            ))}
          </div>
        </div>
      ) : null}
      {bars.length > MAX_BARS ? (
        <div class="muted small">
          The first {MAX_BARS} of {bars.length} bars; the rest are in the history table.
        </div>
      ) : null}
      <div class="tl-legend small muted">
        <span>
          <span class="tl-dot tl-activity" /> activity
        </span>
        <span>
          <span class="tl-dot tl-timer" /> timer
        </span>
        <span>
          <span class="tl-dot tl-child" /> child workflow
        </span>
        <span>
          <span class="tl-swatch tl-wait-swatch" /> waiting to start
        </span>
        <span>
          <span class="tl-swatch tl-state-failed" /> failed
        </span>
      </div>
    </div>
  );
}

/** How an activity or child ended, from the event that ends it (anything else, a start failed or a child terminated: failed). */
function endState(eventType: string): TimelineBar['state'] {
  if (eventType.endsWith('Completed')) return 'completed';
  if (eventType.endsWith('TimedOut')) return 'timedout';
  if (eventType.endsWith('Canceled')) return 'cancelled';
  return 'failed';
}
