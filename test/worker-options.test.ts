/**
 * Temporal's WorkerOptions in Weft, against a real server: maxActivitiesPerSecond (and the task queue's, applied
 * by the server across workers), maxConcurrentLocalActivityExecutions, polls per kind, enableNonLocalActivities, a fixed-size tuner,
 * bundlerOptions.ignoreModules, the accepted-and-unused fields, and TypeErrors for bad values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from 'weft/client';
import { Worker, WorkflowBundleError, type WorkerOptions } from 'weft/worker';
import type { Transport } from '../src/client/transport.js';
import { fixture, quietLogger, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

const workflowsPath = fixture('worker-options.ts');
const bundlerOptions = { ignoreModules: ['fs'] };
let ts: TestServer;

let running = 0;
const activities = {
  async stamp(): Promise<number> {
    return Date.now();
  },
  async hold(ms: number): Promise<number> {
    const seen = ++running;
    await new Promise((r) => setTimeout(r, ms));
    running--;
    return seen;
  },
};

beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

/** A connection to the test server that counts the long polls in flight, per kind. */
function countingConnection(): { connection: Connection; max: { workflow: number; activity: number } } {
  const inner = ts.connection.transport;
  const now = { workflow: 0, activity: 0 };
  const max = { workflow: 0, activity: 0 };
  const transport: Transport = {
    async call<T>(...args: Parameters<Transport['call']>): Promise<T> {
      const [op, req] = args;
      const body = req.body as { maxWorkflowTasks?: number } | undefined;
      const kind = op === 'pollTasks' ? ((body?.maxWorkflowTasks ?? 0) > 0 ? 'workflow' : 'activity') : undefined;
      if (kind) max[kind] = Math.max(max[kind], ++now[kind]);
      try {
        return await inner.call<T>(...args);
      } finally {
        if (kind) now[kind]--;
      }
    },
    health: () => inner.health(),
    close: async () => {},
  };
  return { connection: Connection.fromTransport(transport), max };
}

/** Runs `workflowType` once on a worker with `options` (on a fresh task queue), and stops the worker. */
async function executeOn(
  options: Partial<WorkerOptions>,
  workflowType: string,
  args: unknown[] = [],
): Promise<unknown> {
  const taskQueue = uid('wo');
  const w = await startWorker(ts, { taskQueue, workflowsPath, activities, bundlerOptions, ...options });
  try {
    return await ts.client.workflow.execute(workflowType, { taskQueue, workflowId: uid(workflowType), args });
  } finally {
    await w.stop();
  }
}

/** executeOn, through a connection that counts the long polls in flight per kind (after `settleMs`). */
async function executeCountingPolls(
  options: Partial<WorkerOptions>,
  workflowType: string,
  args: unknown[],
  settleMs = 0,
): Promise<{ result: unknown; max: { workflow: number; activity: number } }> {
  const { connection, max } = countingConnection();
  const taskQueue = uid('polls');
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath,
    activities,
    bundlerOptions,
    handleSignals: false,
    logger: quietLogger,
    ...options,
  });
  let result: unknown;
  await worker.runUntil(async () => {
    if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
    result = await ts.client.workflow.execute(workflowType, { taskQueue, workflowId: uid(workflowType), args });
  });
  return { result, max };
}

describe('WorkerOptions from Temporal', () => {
  it('maxActivitiesPerSecond spaces out activity starts on the worker', async () => {
    const starts = (await executeOn({ maxActivitiesPerSecond: 4 }, 'manyActivities', [10])) as number[];
    starts.sort((a, b) => a - b);
    // 10 starts at 4 a second, 4 saved up: any span holding n starts lasts at least (n - 4 - 1) / 4 s, so 10 take at
    // least 1.25 s (tokens are taken when the poll is sent, and the first 4 may arrive up to 250 ms after theirs,
    // so 1.5 s is not a bound); unlimited, they start within milliseconds
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(1200);
  });

  it('maxTaskQueueActivitiesPerSecond limits the whole task queue, across its workers (the server applies it)', async () => {
    const taskQueue = uid('tqrate');
    const options = { taskQueue, workflowsPath, activities, bundlerOptions, maxTaskQueueActivitiesPerSecond: 4 };
    const workers = [await startWorker(ts, options), await startWorker(ts, options)];
    try {
      const starts = (await ts.client.workflow.execute('manyActivities', {
        taskQueue,
        workflowId: uid('manyActivities'),
        args: [12],
      })) as number[];
      starts.sort((a, b) => a - b);
      // 12 at 4 a second for the queue, 4 saved up: at least (12 - 4 - 1) / 4 = 1.75 s from the first to the last.
      // Were it applied per worker, the two would start them at 8 a second with 8 saved up: about 0.4 s.
      expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(1600);
    } finally {
      for (const w of workers) await w.stop();
    }
  });

  it('a poll carrying a bad task queue limit is refused with 400 INVALID_ARGUMENT', async () => {
    for (const bad of [0, -1, 'x', 2_000_000]) {
      const r = await fetch(`${ts.server.address}/api/v1/namespaces/default/task-queues/tqbad/poll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          identity: 'w',
          maxWorkflowTasks: 0,
          maxActivityTasks: 1,
          timeoutMs: 0,
          taskQueueActivitiesPerSecond: bad,
        }),
      });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
    }
  });

  it("a worker's maxActivitiesPerSecond and its queue's limit both hold (the lower wins)", async () => {
    const options = { maxActivitiesPerSecond: 100, maxTaskQueueActivitiesPerSecond: 2 };
    const starts = (await executeOn(options, 'manyActivities', [5])) as number[];
    starts.sort((a, b) => a - b);
    // 5 at 2 a second, 2 saved up: at least (5 - 2 - 1) / 2 = 1 s from the first to the last (as above)
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(950);
  });

  it('maxConcurrentLocalActivityExecutions bounds the local activities running at once', async () => {
    const seen = (await executeOn(
      { maxConcurrentLocalActivityExecutions: 2 },
      'manyLocalActivities',
      [6, 150],
    )) as number[];
    expect(seen).toHaveLength(6);
    expect(Math.max(...seen)).toBe(2);
  });

  it('a fixed-size tuner sets the slots (local ones too)', async () => {
    const fixed = (numSlots: number) => ({ type: 'fixed-size' as const, numSlots });
    const tuner = {
      workflowTaskSlotSupplier: fixed(5),
      activityTaskSlotSupplier: fixed(5),
      localActivityTaskSlotSupplier: fixed(3),
    };
    const seen = (await executeOn({ tuner }, 'manyLocalActivities', [7, 150])) as number[];
    expect(Math.max(...seen)).toBe(3);
  });

  it('maxConcurrentWorkflowTaskPolls / maxConcurrentActivityTaskPolls set the polls per kind', async () => {
    const options = { maxConcurrentWorkflowTaskPolls: 3, maxConcurrentActivityTaskPolls: 1 };
    // the polls get going before the work comes
    const { result, max } = await executeCountingPolls(options, 'manyActivities', [2], 300);
    expect(result).toHaveLength(2);
    expect(max).toEqual({ workflow: 3, activity: 1 });
  });

  it('enableNonLocalActivities: false polls no activity tasks; the activities still run as local ones', async () => {
    const { result, max } = await executeCountingPolls(
      { enableNonLocalActivities: false },
      'manyLocalActivities',
      [2, 10],
    );
    expect(result).toHaveLength(2);
    expect(max.activity).toBe(0);
    expect(max.workflow).toBeGreaterThan(0);
  });

  it('bundlerOptions.ignoreModules: an ignored module is an empty one; without it the bundle fails', async () => {
    const ignored = { bundlerOptions: { ignoreModules: ['node:fs'] } };
    expect(await executeOn(ignored, 'ignoredModule')).toBe('undefined');
    await expect(Worker.create({ taskQueue: uid('ignore'), workflowsPath, logger: quietLogger })).rejects.toThrow(
      WorkflowBundleError,
    );
  });

  it('accepts the fields that mean nothing in Weft, typed as Temporal types them', async () => {
    const accepted: Partial<WorkerOptions> = {
      bundlerOptions: { ...bundlerOptions, preloadModules: [], webpackConfigHook: (c) => c },
      stickyQueueScheduleToStartTimeout: '10s',
      showStackTraceSources: true,
      reuseV8Context: true,
      debugMode: false,
      workflowThreadPoolSize: 2,
      nonStickyToStickyPollRatio: 0.2,
      maxEagerActivityReservationsPerWorkflowTask: 3,
      enableSDKTracing: false,
      disablePayloadErrorLimit: false,
      workflowTaskPollerBehavior: { type: 'autoscaling', minimum: 1, initial: 2, maximum: 10 },
      activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 2 },
    };
    expect(await executeOn(accepted, 'manyActivities', [1])).toHaveLength(1);
  });

  it('bad values are TypeErrors', async () => {
    const base: WorkerOptions = { taskQueue: 'bad', activities, logger: quietLogger };
    const bad: Array<[Partial<WorkerOptions>, RegExp]> = [
      [{ maxActivitiesPerSecond: 0 }, /maxActivitiesPerSecond must be a positive number/],
      [{ maxTaskQueueActivitiesPerSecond: Number.NaN }, /maxTaskQueueActivitiesPerSecond/],
      [{ maxConcurrentLocalActivityExecutions: 1.5 }, /maxConcurrentLocalActivityExecutions must be a positive/],
      [{ maxConcurrentWorkflowTaskPolls: 0 }, /maxConcurrentWorkflowTaskPolls/],
      [{ maxConcurrentActivityTaskPolls: -1 }, /maxConcurrentActivityTaskPolls/],
      [
        { maxConcurrentActivityTaskPolls: 2, activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 2 } },
        /not both/,
      ],
      [{ stickyQueueScheduleToStartTimeout: 'soon' }, /stickyQueueScheduleToStartTimeout/],
      [{ stickyQueueScheduleToStartTimeout: 0 }, /stickyQueueScheduleToStartTimeout must be from 1 ms to 1 day/],
      [{ stickyQueueScheduleToStartTimeout: '2 days' }, /stickyQueueScheduleToStartTimeout must be from 1 ms/],
      [{ bundlerOptions: { ignoreModules: [''] } }, /ignoreModules/],
      [{ enableNonLocalActivities: 'no' as unknown as boolean }, /enableNonLocalActivities must be a boolean/],
      [{ workflowThreadPoolSize: 0 }, /workflowThreadPoolSize/],
      [
        {
          tuner: {
            workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
            activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
            localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
          },
          maxConcurrentActivityTaskExecutions: 3,
        },
        /cannot set both tuner and maxConcurrentActivityTaskExecutions/,
      ],
      [{ tuner: { tunerOptions: { targetMemoryUsage: 0.8, targetCpuUsage: 0.9 } } }, /resource-based tuner/],
      [{ workflowFailureErrorTypes: { '*': 'Error' as unknown as string[] } }, /workflowFailureErrorTypes/],
    ];
    for (const [opts, message] of bad) {
      const err = await Worker.create({ ...base, ...opts }).catch((e: unknown) => e);
      expect(err, JSON.stringify(opts)).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(message);
    }
  });
});
