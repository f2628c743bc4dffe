/**
 * The Weft web UI: the layout (header with counts, navigation, the codec endpoint setting, the key in use), the key
 * prompt, the routes.
 */
import './styles.css';
import { render, type JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { checkAuth, signOut, useAuth, type SignedInCaller } from './auth.js';
import { SignInPanel } from './components/sign-in.js';
import { CodecSettingsButton } from './components/codec-settings.js';
import { useLoad } from './hooks.js';
import { Link, match, navigate, paths, useLocation } from './router.js';
import { OverviewPage, recentFailuresQuery } from './pages/overview.js';
import { WorkflowsPage } from './pages/workflows.js';
import { ExecutionPage } from './pages/execution.js';
import { ScheduleDetailPage, SchedulesPage } from './pages/schedules.js';
import { TaskQueueDetailPage, TaskQueuesPage } from './pages/task-queues.js';
import { NamespacesPage, useNamespacesVersion } from './pages/namespaces.js';

function namespaceOf(path: string): string {
  const m = /^\/namespaces\/([^/]+)/.exec(path);
  return m ? decodeURIComponent(m[1]!) : 'default';
}

function HeaderCounts({ ns }: { ns: string }): JSX.Element {
  const running = useLoad(() => api.countWorkflows(ns, `ExecutionStatus = 'Running'`), `run:${ns}`, 5000);
  const failed = useLoad(() => api.countWorkflows(ns, recentFailuresQuery()), `fail:${ns}`, 5000);
  const stuck = useLoad(() => api.stuckWorkflows(ns), `stuck:${ns}`, 15000);
  return (
    <div class="header-counts">
      <Link
        class="count-pill count-running"
        href={paths.workflows(ns, { status: 'Running' })}
        title="Running workflows"
      >
        <b>{running.data?.count ?? '·'}</b> running
      </Link>
      <Link
        class="count-pill count-failed"
        href={paths.workflows(ns, { query: recentFailuresQuery() })}
        title="Workflows that failed or timed out in the last 24 hours"
      >
        <b>{failed.data?.count ?? '·'}</b> failed 24h
      </Link>
      {stuck.data && stuck.data.length > 0 ? (
        <Link class="count-pill count-stuck" href={paths.overview()} title="Running with no progress for a while">
          <b>{stuck.data.length}</b> stuck
        </Link>
      ) : null}
    </div>
  );
}

/** The namespaces the key may use, as a select; free text when the list cannot be had. */
function NamespacePicker({ ns, path }: { ns: string; path: string }): JSX.Element {
  const [value, setValue] = useState(ns);
  const version = useNamespacesVersion();
  const list = useLoad(() => api.listNamespaces(), `namespaces:${version}`, 30_000);
  const go = (next: string): void => {
    const section = /^\/namespaces\/[^/]+\/([^/]+)/.exec(path)?.[1] ?? 'workflows';
    navigate(`/namespaces/${encodeURIComponent(next || 'default')}/${section}`);
  };
  if (list.error && !list.data)
    return (
      <form
        class="ns-picker"
        onSubmit={(e) => {
          e.preventDefault();
          go(value.trim());
        }}
      >
        <label>
          <span class="muted">namespace</span>
          <input value={value} onInput={(e) => setValue(e.currentTarget.value)} size={10} aria-label="Namespace" />
        </label>
      </form>
    );
  const names = (list.data?.namespaces ?? []).filter((n) => n.state === 'Registered').map((n) => n.name);
  if (!names.includes(ns)) names.unshift(ns);
  return (
    <div class="ns-picker">
      <label>
        <span class="muted">namespace</span>
        <select value={ns} aria-label="Namespace" onChange={(e) => go(e.currentTarget.value)}>
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

function WhoAmI({ caller }: { caller: SignedInCaller }): JSX.Element {
  return (
    <div class="whoami">
      <span
        class="whoami-name"
        title={`API key ${caller.name}: role ${caller.role}, namespaces ${caller.namespaces.join(', ')}`}
      >
        {caller.name} <span class="muted">· {caller.role}</span>
      </span>
      <button type="button" class="btn-header" onClick={signOut}>
        Sign out
      </button>
    </div>
  );
}

function Page({ path, ns }: { path: string; ns: string }): JSX.Element {
  let m: Record<string, string> | undefined;
  if (path === '/' || path === '') return <OverviewPage ns={ns} />;
  if (match('/namespaces', path)) return <NamespacesPage />;
  if ((m = match('/namespaces/:ns', path))) return <OverviewPage ns={m.ns!} />;
  if ((m = match('/namespaces/:ns/workflows', path))) return <WorkflowsPage ns={m.ns!} />;
  if ((m = match('/namespaces/:ns/workflows/:workflowId', path)))
    return <ExecutionPage ns={m.ns!} workflowId={m.workflowId!} />;
  if ((m = match('/namespaces/:ns/workflows/:workflowId/:runId', path)))
    return <ExecutionPage ns={m.ns!} workflowId={m.workflowId!} runId={m.runId!} />;
  if ((m = match('/namespaces/:ns/schedules', path))) return <SchedulesPage ns={m.ns!} />;
  if ((m = match('/namespaces/:ns/schedules/:scheduleId', path)))
    return <ScheduleDetailPage ns={m.ns!} scheduleId={m.scheduleId!} />;
  if ((m = match('/namespaces/:ns/task-queues', path))) return <TaskQueuesPage ns={m.ns!} />;
  if ((m = match('/namespaces/:ns/task-queues/:taskQueue', path)))
    return <TaskQueueDetailPage ns={m.ns!} taskQueue={m.taskQueue!} />;
  // short forms: /workflows/<id>[/<runId>] in the default namespace
  if ((m = match('/workflows', path))) return <WorkflowsPage ns={ns} />;
  if ((m = match('/workflows/:workflowId', path))) return <ExecutionPage ns={ns} workflowId={m.workflowId!} />;
  if ((m = match('/workflows/:workflowId/:runId', path)))
    return <ExecutionPage ns={ns} workflowId={m.workflowId!} runId={m.runId!} />;
  return (
    <div class="empty">
      <h1>Not found</h1>
      <p>
        No page at <code>{path}</code>. <Link href="/">Go to the overview</Link>.
      </p>
    </div>
  );
}

function Brand(): JSX.Element {
  return (
    <Link href="/" class="brand">
      <span class="logo" aria-hidden="true" />
      Weft
    </Link>
  );
}

function App(): JSX.Element {
  const auth = useAuth();
  useEffect(() => void checkAuth(), []);
  const { path } = useLocation();
  if (auth.kind === 'checking' || auth.kind === 'signed-out')
    return (
      <>
        <header class="top">
          <Brand />
        </header>
        <main>{auth.kind === 'signed-out' ? <SignInPanel error={auth.error} /> : null}</main>
      </>
    );
  const ns = namespaceOf(path);
  const section =
    path.replace(/\/+$/, '') === '/namespaces'
      ? 'namespaces'
      : (/^\/namespaces\/[^/]+\/([^/]+)/.exec(path)?.[1] ?? (path.startsWith('/workflows') ? 'workflows' : ''));
  const nav = (key: string, href: string, label: string): JSX.Element => (
    <Link href={href} class={section === key ? 'active' : ''}>
      {label}
    </Link>
  );
  return (
    <>
      <header class="top">
        <Brand />
        <nav>
          {nav('', `/namespaces/${encodeURIComponent(ns)}`, 'Overview')}
          {nav('workflows', paths.workflows(ns), 'Workflows')}
          {nav('schedules', paths.schedules(ns), 'Schedules')}
          {nav('task-queues', paths.taskQueues(ns), 'Task queues')}
          {nav('namespaces', paths.namespaces(), 'Namespaces')}
        </nav>
        <div class="spacer" />
        <HeaderCounts ns={ns} />
        <NamespacePicker key={ns} ns={ns} path={path} />
        <CodecSettingsButton />
        {auth.kind === 'signed-in' ? <WhoAmI caller={auth.caller} /> : null}
      </header>
      <main>
        <Page path={path} ns={ns} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
