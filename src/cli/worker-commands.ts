/**
 * `weft worker ...`: run a worker in the foreground, ask the workers of a task queue to stop, check that a
 * task queue has live workers. The worker modules (and esbuild) load only when `start` runs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { LogFormat, LogLevel } from '../common/logger.js';
import {
  addCommonOptions,
  addLogOptions,
  heapGrowingPercentOption,
  lazyConnection,
  parseNonNegativeInt,
  parsePositiveInt,
  withClient,
  type CommonOptions,
} from './options.js';
import { CliError, isoTime, printFields, printJson, printLine, printTable } from './output.js';

/** A worker seen this recently counts as alive even when it is not polling right now (busy, or between polls). */
export const WORKER_SEEN_WITHIN_MS = 70_000;

interface StartOptions extends CommonOptions {
  taskQueue: string;
  workflows?: string;
  activities?: string;
  buildId?: string;
  identity?: string;
  maxConcurrentActivities?: number;
  maxConcurrentWorkflowTasks?: number;
  maxCachedWorkflows?: number;
  shutdownGraceTime?: string;
  heapGrowingPercent: number;
  logLevel: LogLevel;
  logFormat?: LogFormat;
}

async function startWorker(o: StartOptions): Promise<void> {
  if (!o.workflows && !o.activities)
    throw new CliError('give --workflows PATH, --activities PATH, or both', 'INVALID_ARGUMENT');
  const workflowsPath = o.workflows ? path.resolve(o.workflows) : undefined;
  if (workflowsPath && !existsSync(workflowsPath))
    throw new CliError(`--workflows: no such file: ${workflowsPath}`, 'INVALID_ARGUMENT');
  const activities = o.activities
    ? await (await import('./load-activities.js')).loadActivities(o.activities)
    : undefined;
  const { Worker } = await import('../worker/index.js');
  const { createLogger } = await import('../common/logger.js');
  const { applyHeapGrowingPercent } = await import('../common/heap-tuning.js');
  applyHeapGrowingPercent(o.heapGrowingPercent);

  // lazy: a worker may start before its server, and waits for it; its polls and completions go over the channel
  const connection = await lazyConnection(o, undefined, true);
  try {
    const worker = await Worker.create({
      connection,
      namespace: o.namespace,
      taskQueue: o.taskQueue,
      ...(workflowsPath ? { workflowsPath } : {}),
      ...(activities ? { activities } : {}),
      ...(o.buildId !== undefined ? { buildId: o.buildId } : {}),
      ...(o.identity !== undefined ? { identity: o.identity } : {}),
      ...(o.maxConcurrentActivities !== undefined
        ? { maxConcurrentActivityTaskExecutions: o.maxConcurrentActivities }
        : {}),
      ...(o.maxConcurrentWorkflowTasks !== undefined
        ? { maxConcurrentWorkflowTaskExecutions: o.maxConcurrentWorkflowTasks }
        : {}),
      ...(o.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: o.maxCachedWorkflows } : {}),
      ...(o.shutdownGraceTime !== undefined ? { shutdownGraceTime: o.shutdownGraceTime } : {}),
      logger: createLogger(o.logLevel, 'weft-worker', o.logFormat),
    });
    const activityNames = Object.keys(activities ?? {});
    if (o.output === 'json') {
      printLine(
        JSON.stringify({
          identity: worker.identity,
          namespace: o.namespace,
          taskQueue: o.taskQueue,
          ...(workflowsPath ? { workflows: workflowsPath } : {}),
          activities: activityNames,
        }),
      );
    } else {
      const what = [
        workflowsPath ? `workflows from ${workflowsPath}` : '',
        activityNames.length ? `activities ${activityNames.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      printLine(
        `Worker ${worker.identity} polling task queue ${o.taskQueue} (namespace ${o.namespace}): ${what}; Ctrl-C to stop`,
      );
    }

    // the worker shuts down gracefully on the first SIGINT/SIGTERM; a second one does not wait
    let signals = 0;
    const onSignal = (): void => {
      if (++signals > 1) process.exit(130);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      await worker.run();
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (o.output === 'table') printLine(`Worker ${worker.identity} stopped`);
  } finally {
    await connection.close();
  }
}

async function stopWorkers(o: CommonOptions & { taskQueue: string; identity?: string }): Promise<void> {
  const r = await withClient(o, (c) => c.taskQueue.stopWorkers(o.taskQueue, o.identity));
  if (o.output === 'json')
    return printJson({
      taskQueue: o.taskQueue,
      ...(o.identity ? { identity: o.identity } : {}),
      requested: r.requested,
    });
  const who = o.identity ? `worker ${o.identity}` : `${r.requested} worker(s)`;
  printLine(
    r.requested > 0
      ? `Asked ${who} on task queue ${o.taskQueue} to stop`
      : `No live worker ${o.identity ? `${o.identity} ` : ''}on task queue ${o.taskQueue} to stop`,
  );
}

async function health(o: CommonOptions & { taskQueue: string }): Promise<void> {
  const d = await withClient(o, (c) => c.taskQueue.describe(o.taskQueue));
  const now = Date.now();
  const alive = d.pollers.filter((p) => p.polling || now - p.lastAccessTime.getTime() <= WORKER_SEEN_WITHIN_MS);
  const healthy = alive.length > 0;
  if (o.output === 'json') {
    printJson({
      taskQueue: d.taskQueue,
      healthy,
      pollers: d.pollers.map((p) => ({ ...p, lastAccessTime: isoTime(p.lastAccessTime) })),
      backlog: d.backlog,
    });
  } else {
    printLine(`Task queue ${d.taskQueue}:`);
    printTable(
      ['Identity', 'Build id', 'Last seen', 'Polling'],
      d.pollers.map((p) => [p.identity, p.buildId ?? '', isoTime(p.lastAccessTime), p.polling ? 'yes' : 'no']),
      '(no workers seen)',
    );
    printFields([
      ['Backlog', `${d.backlog.workflowTasks} workflow task(s), ${d.backlog.activityTasks} activity task(s)`],
      ['Healthy', healthy ? `yes (${alive.length} live worker(s))` : 'no'],
    ]);
  }
  if (!healthy)
    throw new CliError(
      `no worker is polling task queue ${o.taskQueue} (none seen in the last ${WORKER_SEEN_WITHIN_MS / 1000}s)`,
      'NO_WORKERS',
    );
}

export function addWorkerCommands(program: Command): void {
  const worker = program.command('worker').description('run workers and check on them');

  addCommonOptions(
    addLogOptions(
      worker
        .command('start')
        .description('run a worker in the foreground until Ctrl-C, SIGTERM or `weft worker stop`')
        .requiredOption('-t, --task-queue <name>', 'task queue to poll')
        .option('--workflows <path>', 'module exporting the workflow functions (bundled for the sandbox)')
        .option('--activities <path>', 'module exporting the activity functions (.ts or .js)')
        .option('--build-id <id>', 'recorded on every workflow task this worker completes')
        .option('--identity <id>', 'worker identity (default: pid@host#n)')
        .option('--max-concurrent-activities <n>', 'activity tasks run at once (default 100)', parsePositiveInt)
        .option('--max-concurrent-workflow-tasks <n>', 'workflow tasks run at once (default 40)', parsePositiveInt)
        .option(
          '--max-cached-workflows <n>',
          'workflows kept in memory between tasks (default 1000; 0: none)',
          parseNonNegativeInt,
        )
        .option(
          '--shutdown-grace-time <duration>',
          'how long stopping waits for running activities before cancelling them (default 0, as Temporal)',
        )
        .addOption(heapGrowingPercentOption()),
      'worker',
    ),
  ).action((o: StartOptions) => startWorker(o));

  addCommonOptions(
    worker
      .command('stop')
      .description('ask the workers of a task queue (or one, by identity) to finish their tasks and exit')
      .requiredOption('-t, --task-queue <name>', 'task queue')
      .option('--identity <id>', 'only the worker with this identity'),
  ).action((o: CommonOptions & { taskQueue: string; identity?: string }) => stopWorkers(o));

  addCommonOptions(
    worker
      .command('health')
      .description(
        `show the workers of a task queue; exit 1 unless one is polling or was seen in the last ${WORKER_SEEN_WITHIN_MS / 1000}s`,
      )
      .requiredOption('-t, --task-queue <name>', 'task queue'),
  ).action((o: CommonOptions & { taskQueue: string }) => health(o));
}
