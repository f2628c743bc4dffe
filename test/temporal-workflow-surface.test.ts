/**
 * Temporal's workflow API that a port imports from `@temporalio/workflow` (now `weft/workflow`), against a real
 * server and worker: setCurrentDetails / getCurrentDetails and the built-in workflow metadata query,
 * scheduleActivity and scheduleLocalActivity, TemporalFailure and rootCause, Temporal's error classes,
 * setWorkflowOptions; the stack trace queries are defined but not answered; and from `@temporalio/activity`,
 * getClient() and Context.client.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ApplicationFailure,
  Client,
  QueryNotRegisteredError,
  QueryRejectCondition,
  QueryRejectedError,
  WeftFailure,
  TemporalFailure,
  rootCause,
} from 'weft/client';
import { DeterminismViolationError } from 'weft/worker';
import { WorkflowError, stackTraceQuery, workflowMetadataQuery } from 'weft/workflow';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';
import {
  Context,
  cancellationDetails,
  getClient,
  heartbeat,
  sleep,
  type ActivityCancellationDetails,
} from 'weft/activity';
import { go, ping } from './fixtures/temporal-workflow-surface.js';

const taskQueue = 'temporal-workflow-surface';
let ts: TestServer;
let stop: (() => Promise<void>) | undefined;
const seenDetails: Array<ActivityCancellationDetails | undefined> = [];

beforeAll(async () => {
  ts = await startTestServer();
  const activities = {
    echo: async (x: number): Promise<number> => x,
    // Temporal's getClient() and Context.current().client: the worker's client, inside an activity
    // heartbeats until cancelled, and records why (cancellationDetails())
    waitForCancel: async (): Promise<void> => {
      for (;;) {
        heartbeat();
        try {
          await sleep(50);
        } catch (e) {
          seenDetails.push(cancellationDetails());
          throw e;
        }
      }
    },
    pingBack: async (workflowId: string, from: string): Promise<string> => {
      await getClient().workflow.getHandle(workflowId).signal(ping, from);
      return Context.current().client.namespace;
    },
  };
  stop = (await startWorker(ts, { taskQueue, workflowsPath: fixture('temporal-workflow-surface.ts'), activities }))
    .stop;
});
afterAll(async () => {
  await stop?.();
  await ts?.stop();
});

it('current details and the handlers, with their descriptions, answer the workflow metadata query', async () => {
  const handle = await ts.client.workflow.start('surface', { taskQueue, workflowId: uid('surface'), args: [7] });
  expect(await handle.query(workflowMetadataQuery)).toEqual({
    definition: {
      type: 'surface',
      queryDefinitions: [{ name: 'details', description: 'the current details' }],
      signalDefinitions: [{ name: 'go', description: 'go on' }],
      updateDefinitions: [],
    },
    currentDetails: 'step 1 of 2',
  });
  expect(await handle.query<string>('details')).toBe('step 1 of 2');
  // Weft records no stack traces: the query is defined (code naming it ports) and not answered
  await expect(handle.query(stackTraceQuery)).rejects.toBeInstanceOf(QueryNotRegisteredError);

  await handle.signal(go);
  const result = await handle.result();
  expect(result.a).toBe(7); // scheduleActivity('echo', [7], ...)
  expect(result.b).toBe(8); // scheduleLocalActivity('echo', [8], ...)
  expect(result.checks).toEqual({
    temporalFailureIsWeftFailure: true,
    rootCause: true,
    valueError: true,
    illegalState: true,
    namespaceNotFound: true,
    notAnActivityMethod: true,
    noOptions: true,
    noTimeout: true,
  });
  // a closed run answers from its replayed state: the details it last set
  expect((await handle.query(workflowMetadataQuery)).currentDetails).toBe('done');
  const { events } = await handle.fetchHistory();
  expect(events.filter((e) => e.eventType === 'ActivityTaskScheduled')).toHaveLength(1);
  expect(events.filter((e) => e.eventType === 'MarkerRecorded')).toHaveLength(1); // the local activity
});

it('outside workflows too: TemporalFailure is WeftFailure, rootCause, a DeterminismViolationError is a WorkflowError', () => {
  expect(TemporalFailure).toBe(WeftFailure);
  const failure = ApplicationFailure.create({ message: 'outer', cause: new ApplicationFailure('inner') });
  expect(failure).toBeInstanceOf(TemporalFailure);
  expect(rootCause(failure)).toBe('inner');
  expect(rootCause(new Error('plain error'))).toBe('plain error');
  expect(rootCause(42)).toBeUndefined();
  expect(new DeterminismViolationError('x')).toBeInstanceOf(WorkflowError);
  expect(new Error('x')).not.toBeInstanceOf(WorkflowError);
});

it("an activity's client (getClient(), Context.current().client) is the worker's: it signals the workflow back", async () => {
  const handle = await ts.client.workflow.start('pingedByActivities', { taskQueue, workflowId: uid('ping') });
  expect(await handle.result()).toEqual({ pings: ['activity', 'local activity'], namespaces: ['default', 'default'] });
});

it("a cancelled activity's cancellationDetails() says its cancellation was requested", async () => {
  const handle = await ts.client.workflow.start('cancelsActivity', { taskQueue, workflowId: uid('cancel') });
  expect(await handle.result()).toBe(true);
  expect(seenDetails).toHaveLength(1);
  expect({ ...seenDetails[0] }).toEqual({
    notFound: false,
    cancelRequested: true,
    paused: false,
    timedOut: false,
    workerShutdown: false,
    reset: false,
  });
});

it("Temporal's queryRejectCondition: NOT_OPEN turns queries away from closed runs, NOT_COMPLETED_CLEANLY from runs that did not complete", async () => {
  const notOpen = new Client({ connection: ts.connection, workflow: { queryRejectCondition: 'NOT_OPEN' } });
  const notClean = new Client({
    connection: ts.connection,
    workflow: { queryRejectCondition: QueryRejectCondition.NOT_COMPLETED_CLEANLY },
  });
  const completed = await ts.client.workflow.start('surface', { taskQueue, workflowId: uid('reject'), args: [1] });
  expect(await notOpen.workflow.getHandle(completed.workflowId).query<string>('details')).toBe('step 1 of 2');
  await completed.signal(go);
  await completed.result();
  const rejected = await notOpen.workflow
    .getHandle(completed.workflowId)
    .query<string>('details')
    .catch((e: unknown) => e);
  expect(rejected).toBeInstanceOf(QueryRejectedError);
  expect((rejected as QueryRejectedError).status).toBe(2); // WORKFLOW_EXECUTION_STATUS_COMPLETED
  expect(await notClean.workflow.getHandle(completed.workflowId).query<string>('details')).toBe('done');

  const terminated = await ts.client.workflow.start('surface', { taskQueue, workflowId: uid('reject'), args: [2] });
  await terminated.terminate('enough');
  const e = await notClean.workflow
    .getHandle(terminated.workflowId)
    .query<string>('details')
    .catch((err: unknown) => err);
  expect(e).toMatchObject({ status: 5 }); // WORKFLOW_EXECUTION_STATUS_TERMINATED
  expect(e).toBeInstanceOf(QueryRejectedError);
  // without a condition the closed run still answers
  expect(await ts.client.workflow.getHandle(terminated.workflowId).query<string>('details')).toBe('step 1 of 2');

  const bad = await fetch(`${ts.server.address}/api/v1/namespaces/default/workflows/${completed.workflowId}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ queryType: 'details', rejectCondition: 'SOMETIMES' }),
  });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
});
