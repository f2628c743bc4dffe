/**
 * Cancel, terminate and signal a running execution, each behind a confirmation. Hidden for a key whose role may
 * not (reader, worker) or that may not use the namespace.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useAccess } from '../auth.js';
import { ConfirmDialog } from '../components/confirm.js';

type Action = 'cancel' | 'terminate' | 'signal';

/** `[1, "a"]` is the argument list; any other JSON value is the one argument; empty is none. */
export function parseSignalArgs(text: string): unknown[] {
  if (!text.trim()) return [];
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? v : [v];
}

/** The argument list typed in a form; a text that is not JSON fails with a message that says so. */
export function argsFromField(text: string): unknown[] {
  try {
    return parseSignalArgs(text);
  } catch (e) {
    throw new Error(`the arguments are not JSON: ${(e as Error).message}`);
  }
}

/** A name and JSON arguments, as a signal and a query take them (labelled `<what> name`, `<what> arguments`). */
export function NameAndArgsFields(props: {
  what: 'Signal' | 'Query';
  name: string;
  args: string;
  onName: (v: string) => void;
  onArgs: (v: string) => void;
}): JSX.Element {
  return (
    <>
      <label class="stack">
        {props.what} name
        <input
          value={props.name}
          onInput={(e) => props.onName(e.currentTarget.value)}
          aria-label={`${props.what} name`}
        />
      </label>
      <label class="stack">
        Arguments (JSON: an array is the argument list)
        <textarea
          class="mono"
          rows={3}
          value={props.args}
          placeholder='["value", 42]'
          onInput={(e) => props.onArgs(e.currentTarget.value)}
          aria-label={`${props.what} arguments`}
        />
      </label>
    </>
  );
}

export function ExecutionActions(props: {
  ns: string;
  workflowId: string;
  runId: string;
  onDone: () => void;
}): JSX.Element | null {
  const access = useAccess();
  const [action, setAction] = useState<Action | undefined>();
  const [reason, setReason] = useState('');
  const [signalName, setSignalName] = useState('');
  const [signalArgs, setSignalArgs] = useState('');
  const close = (): void => setAction(undefined);
  const { ns, workflowId, runId } = props;
  if (!access.mayWrite(ns)) return null;
  return (
    <div class="actions">
      <button type="button" class="btn" onClick={() => setAction('signal')}>
        Signal…
      </button>
      <button type="button" class="btn btn-warn" onClick={() => setAction('cancel')}>
        Cancel…
      </button>
      <button type="button" class="btn btn-danger" onClick={() => setAction('terminate')}>
        Terminate…
      </button>
      {action === 'cancel' ? (
        <ConfirmDialog
          title="Cancel this workflow?"
          confirmLabel="Request cancellation"
          onClose={close}
          onConfirm={async () => {
            await api.cancel(ns, workflowId, runId, reason || undefined);
            props.onDone();
          }}
        >
          <p>
            The workflow <b class="mono">{workflowId}</b> is asked to cancel: its code sees a cancellation and may clean
            up before it closes.
          </p>
          <label class="stack">
            Reason (optional)
            <input value={reason} onInput={(e) => setReason(e.currentTarget.value)} aria-label="Reason" />
          </label>
        </ConfirmDialog>
      ) : null}
      {action === 'terminate' ? (
        <ConfirmDialog
          title="Terminate this workflow?"
          confirmLabel="Terminate"
          danger
          onClose={close}
          onConfirm={async () => {
            await api.terminate(ns, workflowId, runId, reason || undefined);
            props.onDone();
          }}
        >
          <p>
            The run of <b class="mono">{workflowId}</b> stops at once. Its code does not run again: no cleanup, no
            compensation.
          </p>
          <label class="stack">
            Reason
            <input value={reason} onInput={(e) => setReason(e.currentTarget.value)} aria-label="Reason" />
          </label>
        </ConfirmDialog>
      ) : null}
      {action === 'signal' ? (
        <ConfirmDialog
          title="Send a signal"
          confirmLabel="Send signal"
          onClose={close}
          onConfirm={async () => {
            if (!signalName.trim()) throw new Error('give the signal a name');
            await api.signal(ns, workflowId, runId, signalName.trim(), argsFromField(signalArgs));
            props.onDone();
          }}
        >
          <NameAndArgsFields
            what="Signal"
            name={signalName}
            args={signalArgs}
            onName={setSignalName}
            onArgs={setSignalArgs}
          />
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
