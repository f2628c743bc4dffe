/** The Weft web UI: the layout (header with counts, navigation) and the routes. */
import './styles.css';
import { render, type JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { useLoad } from './hooks.js';
import { Link, match, navigate, paths, useLocation } from './router.js';
import { OverviewPage, recentFailuresQuery } from './pages/overview.js';
import { WorkflowsPage } from './pages/workflows.js';
import { ExecutionPage } from './pages/execution.js';
import { ScheduleDetailPage, SchedulesPage } from './pages/schedules.js';
import { TaskQueueDetailPage, TaskQueuesPage } from './pages/task-queues.js';

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

function NamespacePicker({ ns, path }: { ns: string; path: string }): JSX.Element {
  const [value, setValue] = useState(ns);
  return (
    <form
      class="ns-picker"
      onSubmit={(e) => {
        e.preventDefault();
        const next = value.trim() || 'default';
        const section = /^\/namespaces\/[^/]+\/([^/]+)/.exec(path)?.[1] ?? 'workflows';
        navigate(`/namespaces/${encodeURIComponent(next)}/${section}`);
      }}
    >
      <label>
        <span class="muted">namespace</span>
        <input value={value} onInput={(e) => setValue(e.currentTarget.value)} size={10} aria-label="Namespace" />
      </label>
    </form>
  );
}

function Page({ path, ns }: { path: string; ns: string }): JSX.Element {
  let m: Record<string, string> | undefined;
  if (path === '/' || path === '') return <OverviewPage ns={ns} />;
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

function App(): JSX.Element {
  const { path } = useLocation();
  const ns = namespaceOf(path);
  const section = /^\/namespaces\/[^/]+\/([^/]+)/.exec(path)?.[1] ?? (path.startsWith('/workflows') ? 'workflows' : '');
  const nav = (key: string, href: string, label: string): JSX.Element => (
    <Link href={href} class={section === key ? 'active' : ''}>
      {label}
    </Link>
  );
  return (
    <>
      <header class="top">
        <Link href="/" class="brand">
          <span class="logo" aria-hidden="true" />
          Weft
        </Link>
        <nav>
          {nav('', `/namespaces/${encodeURIComponent(ns)}`, 'Overview')}
          {nav('workflows', paths.workflows(ns), 'Workflows')}
          {nav('schedules', paths.schedules(ns), 'Schedules')}
          {nav('task-queues', paths.taskQueues(ns), 'Task queues')}
        </nav>
        <div class="spacer" />
        <HeaderCounts ns={ns} />
        <NamespacePicker key={ns} ns={ns} path={path} />
      </header>
      <main>
        <Page path={path} ns={ns} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
