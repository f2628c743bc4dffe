/**
 * Schedules: the list, and one schedule with its spec, next times, recent actions; pause, unpause, trigger (for
 * a key whose role may change schedules). With a codec endpoint set, the raw JSON shows the action's arguments and
 * memo decoded.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, type ScheduleActionResult } from '../api.js';
import { useAccess } from '../auth.js';
import { usePayloadCodec } from '../codec.js';
import { Card, ErrorBox, Field, JsonBlock, StatusBadge, Time } from '../components/common.js';
import { ConfirmDialog } from '../components/confirm.js';
import { useLoad } from '../hooks.js';
import { Link, paths } from '../router.js';

function PausedBadge({ paused }: { paused: boolean }): JSX.Element {
  return <span class={`badge ${paused ? 'status-paused' : 'status-active'}`}>{paused ? 'Paused' : 'Active'}</span>;
}

function RecentActions({ ns, actions }: { ns: string; actions: ScheduleActionResult[] }): JSX.Element {
  if (!actions.length) return <span class="muted">No actions yet.</span>;
  return (
    <table class="table">
      <thead>
        <tr>
          <th>Scheduled for</th>
          <th>Taken</th>
          <th>Workflow</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {[...actions].reverse().map((a) => (
          <tr key={a.runId}>
            <td>
              <Time value={a.scheduledAt} />
            </td>
            <td>
              <Time value={a.takenAt} relative />
            </td>
            <td class="mono">
              <Link href={paths.execution(ns, a.workflowId, a.runId)}>{a.workflowId}</Link>
            </td>
            <td>
              <StatusBadge status={a.status} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SchedulesPage({ ns }: { ns: string }): JSX.Element {
  const [token, setToken] = useState<string | undefined>();
  const list = useLoad(() => api.listSchedules(ns, token), `${ns}|${token ?? ''}`, 5000);
  const schedules = list.data?.schedules ?? [];
  return (
    <div class="page">
      <div class="page-head">
        <h1>Schedules</h1>
      </div>
      <ErrorBox error={list.error} />
      <Card>
        {schedules.length === 0 ? (
          <div class="empty-row">
            {list.loading
              ? 'Loading…'
              : 'No schedules. Create one with client.schedule.create() or weft schedule create.'}
          </div>
        ) : (
          <table class="table" data-testid="schedules-table">
            <thead>
              <tr>
                <th>Schedule</th>
                <th>State</th>
                <th>Spec</th>
                <th>Workflow type</th>
                <th>Next action</th>
                <th>Last action</th>
              </tr>
            </thead>
            <tbody>
              {schedules.map((s) => {
                const last = s.recentActions[s.recentActions.length - 1];
                return (
                  <tr key={s.scheduleId}>
                    <td class="mono">
                      <Link href={paths.schedule(ns, s.scheduleId)}>{s.scheduleId}</Link>
                    </td>
                    <td>
                      <PausedBadge paused={s.paused} />
                    </td>
                    <td>{s.specDescription}</td>
                    <td>{s.workflowType}</td>
                    <td>{s.paused ? <span class="muted">paused</span> : <Time value={s.nextActionTime} relative />}</td>
                    <td>
                      {last ? (
                        <>
                          <StatusBadge status={last.status} /> <Time value={last.takenAt} relative />
                        </>
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {list.data?.nextPageToken || token ? (
          <div class="pager">
            <button type="button" class="btn btn-small" disabled={!token} onClick={() => setToken(undefined)}>
              First page
            </button>
            <button
              type="button"
              class="btn btn-small"
              disabled={!list.data?.nextPageToken}
              onClick={() => setToken(list.data!.nextPageToken)}
            >
              Next →
            </button>
          </div>
        ) : null}
      </Card>
    </div>
  );
}

export function ScheduleDetailPage({ ns, scheduleId }: { ns: string; scheduleId: string }): JSX.Element {
  const d = useLoad(() => api.describeSchedule(ns, scheduleId), `${ns}|${scheduleId}`, 3000);
  const mayWrite = useAccess().mayWrite(ns);
  const [confirm, setConfirm] = useState<'pause' | 'unpause' | 'trigger' | undefined>();
  const [note, setNote] = useState('');
  const s = d.data;
  const action = s?.action as { workflowType?: string; taskQueue?: string } | undefined;
  const raw = usePayloadCodec(ns, [s]).show(s);
  return (
    <div class="page">
      <div class="page-head">
        <div>
          <div class="crumbs">
            <Link href={paths.schedules(ns)}>Schedules</Link> /
          </div>
          <h1 class="mono">{scheduleId}</h1>
        </div>
        {s ? <PausedBadge paused={s.state.paused} /> : null}
        <div class="spacer" />
        {s && mayWrite ? (
          <div class="actions">
            <button type="button" class="btn" onClick={() => setConfirm('trigger')}>
              Trigger now…
            </button>
            {s.state.paused ? (
              <button type="button" class="btn btn-primary" onClick={() => setConfirm('unpause')}>
                Unpause…
              </button>
            ) : (
              <button type="button" class="btn btn-warn" onClick={() => setConfirm('pause')}>
                Pause…
              </button>
            )}
          </div>
        ) : null}
      </div>
      <ErrorBox error={d.error} />
      {s ? (
        <>
          <div class="grid-2">
            <Card title="Schedule">
              <dl class="fields">
                <Field label="Spec">{s.specDescription}</Field>
                <Field label="Workflow type">{action?.workflowType}</Field>
                <Field label="Task queue">
                  {action?.taskQueue ? (
                    <Link href={paths.taskQueue(ns, action.taskQueue)}>{action.taskQueue}</Link>
                  ) : null}
                </Field>
                <Field label="Overlap policy">{s.policies.overlap}</Field>
                <Field label="Note">{s.state.note}</Field>
                <Field label="Actions taken">{s.info.numActions}</Field>
                <Field label="Skipped (overlap)">{s.info.numActionsSkippedOverlap}</Field>
                <Field label="Missed (catch-up)">{s.info.numActionsMissedCatchupWindow}</Field>
                <Field label="Created">
                  <Time value={s.info.createdAt} />
                </Field>
                <Field label="Updated">
                  <Time value={s.info.lastUpdatedAt} relative />
                </Field>
              </dl>
            </Card>
            <Card title="Next actions">
              {s.state.paused ? <p class="muted">Paused: nothing is taken until it is unpaused.</p> : null}
              <ol class="times">
                {s.info.nextActionTimes.map((t) => (
                  <li key={t}>
                    <Time value={t} relative />
                  </li>
                ))}
              </ol>
            </Card>
          </div>
          <Card title="Recent actions">
            <RecentActions ns={ns} actions={s.info.recentActions} />
          </Card>
          {s.info.runningWorkflows.length ? (
            <Card title="Running now">
              <ul>
                {s.info.runningWorkflows.map((w) => (
                  <li key={w.runId} class="mono">
                    <Link href={paths.execution(ns, w.workflowId, w.runId)}>{w.workflowId}</Link>
                  </li>
                ))}
              </ul>
            </Card>
          ) : null}
          <details class="card raw">
            <summary>Raw JSON</summary>
            <JsonBlock value={raw.value} decoding={raw.status} />
          </details>
        </>
      ) : null}
      {confirm && s && mayWrite ? (
        <ConfirmDialog
          title={
            confirm === 'trigger'
              ? 'Take an action now?'
              : confirm === 'pause'
                ? 'Pause this schedule?'
                : 'Unpause this schedule?'
          }
          confirmLabel={confirm === 'trigger' ? 'Trigger' : confirm === 'pause' ? 'Pause' : 'Unpause'}
          onClose={() => setConfirm(undefined)}
          onConfirm={async () => {
            if (confirm === 'trigger') await api.triggerSchedule(ns, scheduleId);
            else await api.pauseSchedule(ns, scheduleId, confirm === 'pause', note || undefined);
            setNote('');
            d.reload();
          }}
        >
          {confirm === 'trigger' ? (
            <p>
              Starts a {action?.workflowType} workflow now, under the schedule's overlap policy ({s.policies.overlap}).
            </p>
          ) : (
            <label class="stack">
              Note (optional)
              <input value={note} onInput={(e) => setNote(e.currentTarget.value)} aria-label="Note" />
            </label>
          )}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
