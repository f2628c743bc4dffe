/** Small pieces used across the pages: status badges, times, JSON blocks, failures, errors. */
import type { ComponentChildren, JSX } from 'preact';
import type { FailureInfo } from '../api.js';
import { formatRelative, formatTime, toJson } from '../format.js';

export function StatusBadge({ status }: { status: string }): JSX.Element {
  return <span class={`badge status-${status}`}>{status === 'ContinuedAsNew' ? 'Continued as new' : status}</span>;
}

export function Time({ value, relative }: { value: string | number | undefined; relative?: boolean }): JSX.Element {
  if (value === undefined) return <span class="muted">—</span>;
  const iso = new Date(value).toISOString();
  return (
    <time dateTime={iso} title={iso}>
      {formatTime(value)}
      {relative ? <span class="muted"> · {formatRelative(value)}</span> : null}
    </time>
  );
}

export function JsonBlock({ value, label }: { value: unknown; label?: string }): JSX.Element {
  if (value === undefined) return <span class="muted">none</span>;
  return (
    <pre class="json" aria-label={label}>
      {toJson(value)}
    </pre>
  );
}

/** A failure and its causes, message first, stack folded. */
export function FailureView({ failure }: { failure: FailureInfo }): JSX.Element {
  return (
    <div class="failure">
      <div class="failure-head">
        <span class="failure-kind">{failure.type ?? failure.kind}</span> {failure.message}
        {failure.nonRetryable ? <span class="tag">non-retryable</span> : null}
        {failure.timeoutType ? <span class="tag">{failure.timeoutType}</span> : null}
      </div>
      {failure.stack ? (
        <details>
          <summary>stack</summary>
          <pre class="json">{failure.stack}</pre>
        </details>
      ) : null}
      {failure.cause ? (
        <div class="failure-cause">
          <span class="muted">caused by</span>
          <FailureView failure={failure.cause} />
        </div>
      ) : null}
    </div>
  );
}

export function ErrorBox({ error }: { error: unknown }): JSX.Element | null {
  if (!error) return null;
  return (
    <div class="error-box" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

export function Card(props: {
  title?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
  actions?: ComponentChildren;
}): JSX.Element {
  return (
    <section class={`card ${props.class ?? ''}`}>
      {props.title || props.actions ? (
        <header class="card-head">
          <h2>{props.title}</h2>
          <div class="card-actions">{props.actions}</div>
        </header>
      ) : null}
      <div class="card-body">{props.children}</div>
    </section>
  );
}

export function Field({ label, children }: { label: string; children: ComponentChildren }): JSX.Element {
  return (
    <div class="field">
      <dt>{label}</dt>
      <dd>{children ?? <span class="muted">—</span>}</dd>
    </div>
  );
}
