/**
 * Namespaces (docs/security.md): the list with retention, description, state and limits; for an admin key a
 * create form, and per row an edit dialog and a delete behind a confirmation. The server's refusals (a name in
 * use, a namespace with running workflows) are shown where they happen.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type NamespaceDescription, type NamespaceSettings } from '../api.js';
import { useAccess } from '../auth.js';
import { Card, ErrorBox, Time } from '../components/common.js';
import { ConfirmDialog } from '../components/confirm.js';
import { compactDuration, formatBytes, formatRetention } from '../format.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';

// a change here tells the header's namespace picker to load the list again
let version = 0;
const versionListeners = new Set<() => void>();
export function namespacesChanged(): void {
  version++;
  versionListeners.forEach((l) => l());
}
export function useNamespacesVersion(): number {
  const [v, setV] = useState(version);
  useEffect(() => {
    const l = (): void => setV(version);
    versionListeners.add(l);
    return () => void versionListeners.delete(l);
  }, []);
  return v;
}

interface FormValues {
  description: string;
  /** '' is the server's retention */
  retention: string;
  maxHistoryEvents: string;
  maxPayloadBytes: string;
}

const EMPTY: FormValues = { description: '', retention: '', maxHistoryEvents: '', maxPayloadBytes: '' };

function valuesOf(ns: NamespaceDescription): FormValues {
  return {
    description: ns.description,
    retention: ns.retentionIsServerDefault ? '' : compactDuration(ns.retentionMs),
    maxHistoryEvents: ns.limits.maxHistoryEvents?.toString() ?? '',
    maxPayloadBytes: ns.limits.maxPayloadBytes?.toString() ?? '',
  };
}

function limit(text: string, label: string): number | undefined {
  const t = text.trim().replace(/[_,\s]/g, '');
  if (!t) return undefined;
  if (!/^\d+$/.test(t) || Number(t) < 1) throw new Error(`${label}: a whole number of at least 1, or empty`);
  return Number(t);
}

/** The request body: an empty retention is the server's (null on update), empty limits are the server's. */
function settingsOf(v: FormValues, update: boolean): NamespaceSettings {
  const maxHistoryEvents = limit(v.maxHistoryEvents, 'Max history events');
  const maxPayloadBytes = limit(v.maxPayloadBytes, 'Max payload bytes');
  const limits = {
    ...(maxHistoryEvents !== undefined ? { maxHistoryEvents } : {}),
    ...(maxPayloadBytes !== undefined ? { maxPayloadBytes } : {}),
  };
  const retention = v.retention.trim();
  return {
    description: v.description.trim(),
    ...(retention ? { retention } : update ? { retention: null } : {}),
    ...(update || Object.keys(limits).length ? { limits } : {}),
  };
}

function NamespaceFields(props: { values: FormValues; onChange: (v: FormValues) => void }): JSX.Element {
  const { values, onChange } = props;
  const field = (key: keyof FormValues, label: string, placeholder: string, hint?: string): JSX.Element => (
    <label class="stack">
      {label}
      <input
        value={values[key]}
        placeholder={placeholder}
        aria-label={label}
        onInput={(e) => onChange({ ...values, [key]: e.currentTarget.value })}
      />
      {hint ? <span class="hint">{hint}</span> : null}
    </label>
  );
  return (
    <>
      {field('description', 'Description', 'what runs here, who owns it')}
      {field('retention', 'Retention', '30d', "how long closed runs are kept; empty: the server's; 0: for ever")}
      {field('maxHistoryEvents', 'Max history events', "empty: the server's limit")}
      {field('maxPayloadBytes', 'Max payload bytes', "empty: the server's limit")}
    </>
  );
}

function CreateNamespaceForm({ onCreated }: { onCreated: () => void }): JSX.Element {
  const [name, setName] = useState('');
  const [values, setValues] = useState<FormValues>(EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <Card title="New namespace">
      <form
        class="ns-form"
        aria-label="New namespace"
        onSubmit={(e) => {
          e.preventDefault();
          setError(undefined);
          let settings: NamespaceSettings;
          try {
            settings = settingsOf(values, false);
          } catch (err) {
            setError(err);
            return;
          }
          setBusy(true);
          api.createNamespace(name.trim(), settings).then(
            () => {
              setBusy(false);
              setName('');
              setValues(EMPTY);
              onCreated();
            },
            (err: unknown) => {
              setBusy(false);
              setError(err);
            },
          );
        }}
      >
        <div class="form-grid">
          <label class="stack">
            Name
            <input
              value={name}
              placeholder="payments"
              aria-label="Name"
              spellcheck={false}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
          <NamespaceFields values={values} onChange={setValues} />
        </div>
        <ErrorBox error={error} />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy || !name.trim()}>
            {busy ? 'Creating…' : 'Create namespace'}
          </button>
        </div>
      </form>
    </Card>
  );
}

function EditNamespaceDialog(props: {
  ns: NamespaceDescription;
  onClose: () => void;
  onSaved: () => void;
}): JSX.Element {
  const [values, setValues] = useState<FormValues>(() => valuesOf(props.ns));
  return (
    <ConfirmDialog
      title={`Edit namespace ${props.ns.name}`}
      confirmLabel="Save"
      onClose={props.onClose}
      onConfirm={async () => {
        await api.updateNamespace(props.ns.name, settingsOf(values, true));
        props.onSaved();
      }}
    >
      <NamespaceFields values={values} onChange={setValues} />
    </ConfirmDialog>
  );
}

function Retention({ ns }: { ns: NamespaceDescription }): JSX.Element {
  return (
    <>
      {formatRetention(ns.retentionMs)}
      {ns.retentionIsServerDefault ? <span class="muted"> (server default)</span> : null}
    </>
  );
}

function Limits({ ns }: { ns: NamespaceDescription }): JSX.Element {
  const { maxHistoryEvents, maxPayloadBytes } = ns.limits;
  if (maxHistoryEvents === undefined && maxPayloadBytes === undefined) return <span class="muted">the server's</span>;
  return (
    <div class="small">
      {maxHistoryEvents !== undefined ? <div>history ≤ {maxHistoryEvents.toLocaleString()} events</div> : null}
      {maxPayloadBytes !== undefined ? <div>payload ≤ {formatBytes(maxPayloadBytes)}</div> : null}
    </div>
  );
}

export function NamespacesPage(): JSX.Element {
  const access = useAccess();
  const list = useLoad(() => api.listNamespaces(), 'namespaces', 10_000);
  const [editing, setEditing] = useState<NamespaceDescription | undefined>();
  const [deleting, setDeleting] = useState<NamespaceDescription | undefined>();
  const changed = (): void => {
    list.reload();
    namespacesChanged();
  };
  const namespaces = list.data?.namespaces ?? [];
  const mayEdit = (ns: NamespaceDescription): boolean => ns.state === 'Registered' && access.mayEditNamespace(ns.name);
  const mayDelete = (ns: NamespaceDescription): boolean =>
    ns.state === 'Registered' && ns.name !== 'default' && access.mayManageNamespaces;
  const withActions = namespaces.some((ns) => mayEdit(ns) || mayDelete(ns));
  return (
    <div class="page">
      <div class="page-head">
        <h1>Namespaces</h1>
        <span class="muted">
          {access.mayManageNamespaces ? 'all namespaces' : 'the namespaces this key may use'}; closed runs are deleted
          after their namespace's retention
        </span>
      </div>
      <ErrorBox error={list.error} />
      {access.mayManageNamespaces ? <CreateNamespaceForm onCreated={changed} /> : null}
      <Card>
        {namespaces.length === 0 ? (
          <div class="empty-row">{list.loading ? 'Loading…' : 'No namespace this key may use.'}</div>
        ) : (
          <table class="table" data-testid="namespaces-table">
            <thead>
              <tr>
                <th>Namespace</th>
                <th>State</th>
                <th>Retention</th>
                <th>Description</th>
                <th>Limits</th>
                <th>Updated</th>
                {withActions ? <th /> : null}
              </tr>
            </thead>
            <tbody>
              {namespaces.map((ns) => (
                <tr key={ns.name} data-namespace={ns.name}>
                  <td class="mono">
                    {ns.state === 'Registered' ? (
                      <Link href={`/namespaces/${encodeURIComponent(ns.name)}`} title="Its overview">
                        {ns.name}
                      </Link>
                    ) : (
                      ns.name
                    )}
                  </td>
                  <td>
                    <span class={`badge ${ns.state === 'Registered' ? 'status-active' : 'status-Terminated'}`}>
                      {ns.state}
                    </span>
                  </td>
                  <td data-testid="retention">
                    <Retention ns={ns} />
                  </td>
                  <td>{ns.description || <span class="muted">—</span>}</td>
                  <td>
                    <Limits ns={ns} />
                  </td>
                  <td>
                    {/* the default namespace was there from the start: it has no time of its own */}
                    {Date.parse(ns.updatedAt) > 0 ? (
                      <Time value={ns.updatedAt} relative />
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  {withActions ? (
                    <td class="row-actions">
                      {mayEdit(ns) ? (
                        <button type="button" class="btn btn-small" onClick={() => setEditing(ns)}>
                          Edit…
                        </button>
                      ) : null}
                      {mayDelete(ns) ? (
                        <button type="button" class="btn btn-small btn-danger" onClick={() => setDeleting(ns)}>
                          Delete…
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {editing ? <EditNamespaceDialog ns={editing} onClose={() => setEditing(undefined)} onSaved={changed} /> : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete namespace ${deleting.name}?`}
          confirmLabel="Delete"
          danger
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await api.deleteNamespace(deleting.name);
            changed();
          }}
        >
          <p>
            <b class="mono">{deleting.name}</b> stops answering at once; its closed runs are removed by the retention
            sweeper, and then the name is free again.
          </p>
          <p class="muted">The server refuses while it has running workflows or schedules.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
