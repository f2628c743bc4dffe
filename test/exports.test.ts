/** The contract's names (shared/spec/API.md) are exported from each subpath of the package. */
import { describe, expect, it } from 'vitest';
import * as activity from '../src/activity/index.js';
import * as client from '../src/client/index.js';
import * as common from '../src/common/index.js';
import * as testing from '../src/testing/index.js';
import * as worker from '../src/worker/index.js';
import * as workflow from '../src/workflow/index.js';
import * as server from '../src/server/index.js';
import * as codecServer from '../src/codec-server/index.js';

const FAILURES = [
  'WeftFailure',
  'ApplicationFailure',
  'ActivityFailure',
  'ChildWorkflowFailure',
  'CancelledFailure',
  'TimeoutFailure',
  'TerminatedFailure',
];

const CONTRACT: Record<string, [Record<string, unknown>, string[]]> = {
  'weft/workflow': [
    workflow,
    [
      'proxyActivities',
      'proxyLocalActivities',
      'ActivityCancellationType',
      'ParentClosePolicy',
      'WorkflowIdReusePolicy',
      'WorkflowIdConflictPolicy',
      'sleep',
      'condition',
      'defineSignal',
      'defineQuery',
      'defineUpdate',
      'setHandler',
      'startChild',
      'executeChild',
      'getExternalWorkflowHandle',
      'continueAsNew',
      'makeContinueAsNewFunc',
      'CancellationScope',
      'isCancellation',
      'patched',
      'deprecatePatch',
      'uuid4',
      'workflowInfo',
      'log',
      'upsertSearchAttributes',
      'Saga',
      'HandlerUnfinishedPolicy',
      'allHandlersFinished',
      'setDefaultSignalHandler',
      'setDefaultQueryHandler',
      'setDefaultUpdateHandler',
      'currentUpdateInfo',
      'inWorkflowContext',
      'Trigger',
      'upsertMemo',
      'DeterminismViolationError',
      ...FAILURES,
    ],
  ],
  'weft/activity': [
    activity,
    ['Context', 'activityInfo', 'heartbeat', 'cancellationSignal', 'sleep', 'ApplicationFailure', 'CancelledFailure'],
  ],
  'weft/worker': [worker, ['Worker', 'bundleWorkflowCode', 'DeterminismViolationError']],
  'weft/client': [
    client,
    [
      'Connection',
      'Client',
      'WorkflowClient',
      'ScheduleClient',
      'ScheduleOverlapPolicy',
      'WorkflowUpdateStage',
      'WorkflowFailedError',
      'WorkflowUpdateFailedError',
      'WorkflowNotFoundError',
      'WorkflowExecutionAlreadyStartedError',
      'QueryNotRegisteredError',
      'ScheduleAlreadyRunning',
      'WorkflowIdReusePolicy',
      'WorkflowIdConflictPolicy',
      ...FAILURES,
    ],
  ],
  'weft/testing': [testing, ['TestWorkflowEnvironment', 'MockActivityEnvironment']],
  'weft/common': [
    common,
    [
      'TimeoutType',
      'RetryState',
      'ApplicationFailureCategory',
      'ActivityCancellationType',
      'WorkflowIdReusePolicy',
      'WorkflowIdConflictPolicy',
      'METADATA_ENCODING_KEY',
      ...FAILURES,
    ],
  ],
  'weft/server': [server, ['startServer']],
  'weft/codec-server': [codecServer, ['startCodecServer', 'createCodecHandler', 'RemotePayloadCodec']],
};

describe('the contract names every subpath exports', () => {
  for (const [subpath, [mod, names]] of Object.entries(CONTRACT))
    it(subpath, () => {
      const missing = names.filter((n) => mod[n] === undefined);
      expect(missing, `${subpath} lacks`).toEqual([]);
    });

  it('Worker has runReplayHistory and runReplayHistories; the enum objects carry the contract strings', () => {
    expect(typeof worker.Worker.runReplayHistory).toBe('function');
    expect(typeof worker.Worker.runReplayHistories).toBe('function');
    expect(workflow.ActivityCancellationType.TRY_CANCEL).toBe('TRY_CANCEL');
    expect(workflow.ParentClosePolicy.REQUEST_CANCEL).toBe('REQUEST_CANCEL');
    expect(workflow.HandlerUnfinishedPolicy.ABANDON).toBe('ABANDON');
    expect(client.ScheduleOverlapPolicy.BUFFER_ONE).toBe('BUFFER_ONE');
    expect(client.WorkflowUpdateStage.ACCEPTED).toBe('ACCEPTED');
  });
});
