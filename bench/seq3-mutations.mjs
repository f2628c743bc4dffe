// The mutations of one `seq3`-like workflow, built with the real engine (from dist/): what the server commits.
import { Transition, startRun, startWorkflowTask, completeWorkflowTask, completeActivity } from '../dist/engine/index.js';

/** Run ids: 'random' (like randomUUID) or 'time' (time-ordered, like UUIDv7: consecutive runs get nearby ids). */
function runIdOf(i, ids) {
  const serial = i.toString(16).padStart(12, '0');
  if (ids === 'time') return `${serial}-7000-8000-run`;
  return `${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}-${serial}`;
}

/** One workflow: start, then three activities run eagerly on the completing worker, then completion. */
export function workflowMutations(i, ids = 'random') {
  const runId = runIdOf(i, ids);
  let now = Date.UTC(2025, 0, 1) + i * 10;
  let version = 0;
  let state;
  const out = [];
  const commit = (t, currentRuns) => {
    const m = {
      executions: [
        {
          state: t.state,
          expectedVersion: version,
          newEvents: t.events,
          tasksRemoved: t.tasksRemoved,
          tasksAdded: t.tasksAdded,
          timersRemoved: t.timersRemoved,
          timersAdded: t.timersAdded,
          closed: t.closed,
        },
      ],
    };
    if (currentRuns) m.currentRuns = currentRuns;
    out.push(m);
    version++;
    state = t.state;
  };
  const step = () => new Transition(structuredClone(state), (now += 3));

  const t0 = startRun(
    {
      namespace: 'default',
      workflowId: `order-${i}`,
      runId,
      workflowType: 'seq3',
      taskQueue: 'bench',
      input: [i],
      randomnessSeed: `seed-${i}`,
      requestId: `req-${i}`,
      workflowRunTimeoutMs: 3_600_000,
    },
    now,
  );
  commit(t0, [{ namespace: 'default', workflowId: `order-${i}`, runId, status: 'Running', expectedRunId: null }]);

  for (let seq = 1; seq <= 4; seq++) {
    let t = step();
    const wtId = t.state.workflowTask.id;
    startWorkflowTask(t, wtId, 'worker-1');
    commit(t);
    t = step();
    const commands =
      seq <= 3
        ? [
            {
              type: 'ScheduleActivityTask',
              seq,
              activityId: String(seq),
              activityType: 'step',
              taskQueue: 'bench',
              input: [i + seq - 1],
              startToCloseTimeoutMs: 10_000,
              eager: true,
            },
          ]
        : [{ type: 'CompleteWorkflowExecution', result: i + 3 }];
    completeWorkflowTask(t, {
      id: wtId,
      commands,
      identity: 'worker-1',
      sticky: true,
      eager: { taskQueue: 'bench', activitySlots: 1 },
    });
    if (seq === 4) {
      commit(t, [{ namespace: 'default', workflowId: `order-${i}`, runId, status: 'Completed', expectedRunId: runId }]);
      break;
    }
    commit(t);
    t = step();
    completeActivity(t, t.state.activities[seq], i + seq);
    commit(t);
  }
  return out;
}

