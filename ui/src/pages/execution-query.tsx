/**
 * The Query tab of an execution: sends a query (a name and JSON arguments) to the run and shows its answer,
 * decoded by the codec endpoint when one is set (codec.ts). Arguments go as plain JSON: the UI does not encode.
 * A query is a read: any key that may read the namespace may send one. A running run's query is answered by a
 * worker; a closed run's by a worker replaying its history.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { usePayloadCodec } from '../codec.js';
import { ErrorBox, JsonBlock } from '../components/common.js';
import { argsFromField, NameAndArgsFields } from './execution-actions.js';

export function QueryPanel(props: { ns: string; workflowId: string; runId: string }): JSX.Element {
  const { ns, workflowId, runId } = props;
  const [name, setName] = useState('');
  const [args, setArgs] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [answer, setAnswer] = useState<{ result?: unknown } | undefined>();
  const codec = usePayloadCodec(ns, [answer]);
  const shown = codec.show(answer?.result);
  const run = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    setAnswer(undefined);
    let parsed: unknown[];
    try {
      if (!name.trim()) throw new Error('give the query a name');
      parsed = argsFromField(args);
    } catch (err) {
      setError(err);
      return;
    }
    setBusy(true);
    try {
      setAnswer(await api.query(ns, workflowId, runId, name.trim(), parsed));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="stack" onSubmit={(e) => void run(e)}>
      <NameAndArgsFields what="Query" name={name} args={args} onName={setName} onArgs={setArgs} />
      <div>
        <button type="submit" class="btn" disabled={busy}>
          {busy ? 'Querying…' : 'Run query'}
        </button>
      </div>
      <ErrorBox error={error} />
      {answer ? <JsonBlock value={shown.value} label="Query result" decoding={shown.status} /> : null}
    </form>
  );
}
