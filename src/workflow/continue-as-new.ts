/**
 * continueAsNew: ends this run and starts the next run of the same workflow id, with fresh history, in the
 * same server transaction. Implemented as an error the workflow function throws (or that `continueAsNew()`
 * throws for it), which the runtime turns into the closing command.
 */
import { encodeArgs } from '../common/payload-args.js';
import { optionalMs, type Duration } from '../common/duration.js';
import type { CommandOf } from '../protocol/commands.js';
import { composeInterceptors } from '../common/interceptors.js';
import { currentActivator } from './internal/current.js';
import type { ContinueAsNewInput } from './interceptors.js';
import type { VersioningIntent } from '../common/priority.js';
import {
  mergeTypedSearchAttributes,
  type SearchAttributePair,
  type TypedSearchAttributes,
} from '../common/typed-search-attributes.js';

export class ContinueAsNew extends Error {
  constructor(readonly command: CommandOf<'ContinueAsNewWorkflowExecution'>) {
    super('Workflow continued as new');
    this.name = 'ContinueAsNew';
  }
}

export interface ContinueAsNewOptions {
  /** Another workflow type for the next run (default: this one). */
  workflowType?: string;
  taskQueue?: string;
  workflowRunTimeout?: Duration;
  workflowTaskTimeout?: Duration;
  memo?: Record<string, unknown>;
  searchAttributes?: Record<string, unknown>;
  /** Temporal's typed form; merged over `searchAttributes` (a name in both takes the typed value). */
  typedSearchAttributes?: SearchAttributePair[] | TypedSearchAttributes;
  /** How long the next run waits before its first workflow task (Temporal's). */
  backoffStartInterval?: Duration;
  /** Accepted, unused (Weft has no worker versioning). */
  versioningIntent?: VersioningIntent;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyWorkflow = (...args: any[]) => Promise<unknown>;

/** A function that continues this workflow as new with the given options and the arguments it is called with. */
export function makeContinueAsNewFunc<F extends AnyWorkflow>(
  options: ContinueAsNewOptions = {},
): (...args: Parameters<F>) => Promise<never> {
  return (...args: Parameters<F>): Promise<never> => {
    const activator = currentActivator();
    const info = activator.info;
    const next = composeInterceptors(activator.interceptors.outbound, 'continueAsNew', (input) =>
      Promise.reject(new ContinueAsNew(continueAsNewCommand(input, info.taskQueue))),
    );
    return next({
      args,
      headers: {},
      options: { ...options, workflowType: options.workflowType ?? info.workflowType },
    });
  };
}

function continueAsNewCommand(
  { args, headers, options }: ContinueAsNewInput,
  defaultTaskQueue: string,
): CommandOf<'ContinueAsNewWorkflowExecution'> {
  const runTimeout = optionalMs(options.workflowRunTimeout, 'workflowRunTimeout');
  const taskTimeout = optionalMs(options.workflowTaskTimeout, 'workflowTaskTimeout');
  const backoff = optionalMs(options.backoffStartInterval, 'backoffStartInterval');
  const searchAttributes = mergeTypedSearchAttributes(options.searchAttributes, options.typedSearchAttributes);
  return {
    type: 'ContinueAsNewWorkflowExecution',
    workflowType: options.workflowType,
    taskQueue: options.taskQueue ?? defaultTaskQueue,
    input: encodeArgs(args),
    ...(runTimeout ? { workflowRunTimeoutMs: runTimeout } : {}),
    ...(taskTimeout ? { workflowTaskTimeoutMs: taskTimeout } : {}),
    ...(options.memo ? { memo: options.memo } : {}),
    ...(searchAttributes ? { searchAttributes } : {}),
    ...(backoff ? { backoffStartIntervalMs: backoff } : {}),
    ...(Object.keys(headers).length > 0 ? { header: headers } : {}),
  };
}

/**
 * Continues this workflow as new with `args`: `return continueAsNew<typeof myWorkflow>(nextState)`. The promise
 * never resolves; the run closes as ContinuedAsNew and the next run starts with the same workflow id.
 */
export function continueAsNew<F extends AnyWorkflow>(...args: Parameters<F>): Promise<never> {
  return makeContinueAsNewFunc<F>()(...args);
}
