/** Server settings and their defaults; every limit lives here (and in docs/limits.md). */
import type { LogLevel } from '../common/logger.js';
import { DEFAULT_HISTORY_LIMITS, type HistoryLimits } from '../engine/transition.js';
import { DEFAULT_SCHEDULE_LIMITS, type ScheduleLimits } from '../schedules/scheduler.js';
import { DEFAULT_RETENTION_MS } from './retention-sweeper.js';

export interface ServerConfig {
  /** Largest JSON payload (workflow input, result, activity input/result, failure details), in bytes. */
  payloadLimitBytes: number;
  /** Longest a request may take to arrive whole (headers and body; a long poll's wait comes after): then 408. */
  requestReceiveMs: number;
  /** Deepest nesting of arrays and objects in a request body (at most 1,000: deeper values overflow stacks). */
  maxJsonDepth: number;
  /** Longest a task poll waits for work before answering empty. */
  pollTimeoutMs: number;
  /** Longest a result request waits for the workflow to close before answering "still running". */
  resultWaitMs: number;
  /** Longest a query waits for a worker's answer. */
  queryTimeoutMs: number;
  /** A poller not seen for this long no longer counts as a live worker. */
  pollerExpiryMs: number;
  /** Runs whose state stays cached in memory. */
  runCacheSize: number;
  /** When workflowInfo().continueAsNewSuggested turns true, and when a run's history is too long and it fails. */
  historyLimits: HistoryLimits;
  /** A running run with no progress (no new event) for longer than this is stuck (metrics, stuck-workflows API). */
  stuckAfterMs: number;
  /** How much one schedule does at once: a catch-up's actions, a backfill's pending nominal times. */
  scheduleLimits: ScheduleLimits;
  logLevel: LogLevel;
  /**
   * Namespaces ('*': all) where starting a workflow type nobody registered is refused (UNKNOWN_WORKFLOW_TYPE).
   * Elsewhere, as in Temporal, such a start is accepted and waits on its task queue for a worker serving the type.
   */
  requireRegisteredTypes: string[];
  /**
   * Closed runs older than this (by close time) are deleted with their history and search attributes by a
   * background sweeper (retention-sweeper.ts); 0 keeps every run. Temporal's namespace retention; default 7 days.
   */
  retentionMs: number;
  /** How often the retention sweeper runs. */
  retentionSweepEveryMs: number;
  /**
   * Serve the streaming channel (one WebSocket per client carrying its requests, docs/channel.md). Off: clients
   * find no channel and send plain HTTP requests (for a proxy in front that cannot carry WebSockets).
   */
  channel: boolean;
}

export const DEFAULT_CONFIG: ServerConfig = {
  payloadLimitBytes: 2 * 1024 * 1024,
  requestReceiveMs: 120_000,
  maxJsonDepth: 256,
  pollTimeoutMs: 60_000,
  resultWaitMs: 60_000,
  queryTimeoutMs: 20_000,
  pollerExpiryMs: 5 * 60_000,
  runCacheSize: 20_000,
  historyLimits: DEFAULT_HISTORY_LIMITS,
  stuckAfterMs: 10 * 60_000,
  scheduleLimits: DEFAULT_SCHEDULE_LIMITS,
  logLevel: 'info',
  requireRegisteredTypes: [],
  retentionMs: DEFAULT_RETENTION_MS,
  retentionSweepEveryMs: 60_000,
  channel: true,
};
