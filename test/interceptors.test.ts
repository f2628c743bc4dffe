/**
 * Interceptors and headers, over HTTP on a real SQLite file: a client interceptor's headers reach the
 * workflow's inbound interceptors (start and signal), go on to activities and children through the outbound
 * interceptors, are recorded in history and so survive replay (a worker with no cache replays every task).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, WithStartWorkflowOperation, type WorkflowClientInterceptor } from '../src/client/index.js';
import { echoQueryHeaders, whoAsked } from './fixtures/interceptor-workflows.js';
import type { ActivityInterceptorsFactory } from '../src/worker/index.js';
import * as activities from './fixtures/activity-headers.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

const TQ = 'it-interceptors';
let ts: TestServer;
let stopWorker: () => Promise<void>;
const executed: string[] = [];

const tenantInterceptor: WorkflowClientInterceptor = {
  start: (input, next) => next({ ...input, headers: { ...input.headers, tenant: 'acme' } }),
  signal: (input, next) => next({ ...input, headers: { ...input.headers, tenant: 'acme', via: 'signal' } }),
};

const activityInterceptors: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      executed.push(`${ctx.info.activityType}#${ctx.info.attempt}`);
      activities.lastHeaders.set(`${ctx.info.workflowId}/${ctx.info.activityId}`, input.headers);
      return next(input);
    },
  },
});

beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, {
    taskQueue: TQ,
    workflowsPath: fixture('interceptor-workflows.ts'),
    activities,
    maxCachedWorkflows: 0,
    interceptors: { workflowModules: [fixture('interceptor-module.ts')], activity: [activityInterceptors] },
  }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

describe('interceptors and headers', () => {
  it('headers go from the client to the workflow, its activities and its children, and survive replay', async () => {
    const client = new Client({ connection: ts.connection, interceptors: { workflow: [tenantInterceptor] } });
    const h = await client.workflow.start('headersParent', { taskQueue: TQ, workflowId: uid('headers') });
    await h.signal('go');
    const r = (await h.result()) as Record<string, unknown>;
    expect(r).toEqual({
      start: { tenant: 'acme' },
      signals: [{ tenant: 'acme', via: 'signal' }],
      activity: { tenant: 'acme', hop: 'activity' },
      child: { tenant: 'acme', hop: 'child' },
    });
    const { events } = await h.fetchHistory();
    const attrs = (type: string): Record<string, unknown> =>
      events.find((e) => e.eventType === type)!.attributes as Record<string, unknown>;
    expect(attrs('WorkflowExecutionStarted').header).toEqual({ tenant: 'acme' });
    expect(attrs('WorkflowExecutionSignaled').header).toEqual({ tenant: 'acme', via: 'signal' });
    expect(attrs('ActivityTaskScheduled').header).toEqual({ tenant: 'acme', hop: 'activity' });
    expect(attrs('StartChildWorkflowExecutionInitiated').header).toEqual({ tenant: 'acme', hop: 'child' });
  });

  it('an activity inbound interceptor wraps every attempt', async () => {
    executed.length = 0;
    const h = await ts.client.workflow.start('tracedParent', { taskQueue: TQ, workflowId: uid('attempts') });
    expect(await h.result()).toBe('object-ok-child');
    expect(executed.sort()).toEqual(['echoHeaders#1', 'echoHeaders#1', 'flaky#1', 'flaky#2']);
  });

  it('client interceptors see updates (with headers to the workflow), update-with-start, describe, cancel, terminate', async () => {
    const calls: string[] = [];
    const recorder: WorkflowClientInterceptor = {
      startUpdate: (input, next) => {
        calls.push(`startUpdate:${input.updateName}:${input.options.waitForStage}`);
        return next({ ...input, headers: { ...input.headers, who: 'update' } });
      },
      startUpdateWithStart: (input, next) => {
        calls.push(`startUpdateWithStart:${input.updateName}`);
        return next({ ...input, updateHeaders: { ...input.updateHeaders, who: 'uws' } });
      },
      query: (input, next) => next({ ...input, headers: { ...input.headers, who: 'query' } }),
      describe: (input, next) => {
        calls.push('describe');
        return next(input);
      },
      cancel: (input, next) => {
        calls.push('cancel');
        return next(input);
      },
      terminate: (input, next) => {
        calls.push(`terminate:${input.reason}`);
        return next(input);
      },
    };
    const client = new Client({ connection: ts.connection, interceptors: { workflow: [recorder] } });
    const workflowId = uid('upd');
    const op = new WithStartWorkflowOperation('headersUpdates', {
      workflowId,
      taskQueue: TQ,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    expect(await client.workflow.executeUpdateWithStart(whoAsked, { startWorkflowOperation: op })).toEqual([
      { who: 'uws' },
    ]);
    const h = await op.workflowHandle();
    expect(await h.executeUpdate(whoAsked)).toEqual([{ who: 'uws' }, { who: 'update' }]);
    // the query's headers reach the workflow's handleQuery (on a worker that replays every task)
    expect(await h.query(echoQueryHeaders)).toEqual({ who: 'query' });
    expect((await h.describe()).status.name).toBe('RUNNING');
    await h.cancel();
    await h.terminate('enough').catch(() => undefined); // the cancel may have closed it already
    expect(calls).toEqual([
      'startUpdateWithStart:whoAsked',
      'startUpdate:whoAsked:COMPLETED',
      'describe',
      'cancel',
      'terminate:enough',
    ]);
  });

  it('a client without interceptors sends no headers', async () => {
    const h = await ts.client.workflow.start('tracedChild', { taskQueue: TQ, workflowId: uid('plain') });
    await h.result();
    const { events } = await h.fetchHistory();
    expect(events[0]!.attributes).not.toHaveProperty('header');
  });
});
