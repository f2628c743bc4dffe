/** Small pieces used across the pages: status badges, times, JSON blocks, failures, errors. */
import type { ComponentChildren, JSX } from 'preact';
import type { FailureInfo } from '../api.js';
import type { DecodeStatus } from '../codec.js';
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

/** What the codec endpoint made of a value's payloads: a "decoded" tag, "decoding…", or why they show encoded. */
export function DecodeNote({ status }: { status: DecodeStatus | undefined }): JSX.Element | null {
  if (!status) return null;
  return (
    <div class="decode-note">
      {status.decoded > 0 ? (
        <span class="tag tag-decoded" data-testid="decoded" title="Payloads decoded by the codec endpoint">
          decoded
        </span>
      ) : null}
      {status.pending > 0 ? <span class="tag">decoding…</span> : null}
      {status.errors.length > 0 ? (
        <div class="decode-error" role="note" data-testid="decode-error">
          {status.failed === 1 ? 'A payload is' : `${status.failed} payloads are`} shown encoded:{' '}
          {status.errors.join('; ')}
        </div>
      ) : null}
    </div>
  );
}

/** A value as JSON; `decoding` (a codec endpoint is set and the value holds payloads) adds the DecodeNote. */
export function JsonBlock(props: { value: unknown; label?: string; decoding?: DecodeStatus }): JSX.Element {
  const { value, label, decoding } = props;
  const block =
    value === undefined ? (
      <span class="muted">none</span>
    ) : (
      <pre class="json" aria-label={label}>
        {toJson(value)}
      </pre>
    );
  if (!decoding) return block;
  return (
    <div class="payload-block">
      <DecodeNote status={decoding} />
      {block}
    </div>
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
