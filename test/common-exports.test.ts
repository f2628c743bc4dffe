/**
 * `weft/common` mirrors `@temporalio/common`: the failures and enums are the very objects the other entry
 * points export (re-exports, not copies), and workflow code may import them too (the sandbox maps `weft/common`
 * onto the workflow runtime, so `instanceof` and the enum values agree on both sides). Over real HTTP and SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as common from 'weft/common';
import * as activity from 'weft/activity';
import * as client from 'weft/client';
import * as workflow from 'weft/workflow';
import type { Duration, Logger, SearchAttributes } from 'weft/common';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

describe('weft/common', () => {
  it('re-exports the failures and enums of the other entry points', () => {
    for (const name of [
      'ApplicationFailure',
      'ActivityFailure',
      'ChildWorkflowFailure',
      'CancelledFailure',
      'TimeoutFailure',
      'TerminatedFailure',
      'ServerFailure',
      'TimeoutType',
      'RetryState',
      'ApplicationFailureCategory',
      'WorkflowIdReusePolicy',
      'WorkflowIdConflictPolicy',
      'ActivityCancellationType',
    ] as const) {
      expect(common[name], name).toBeDefined();
      expect(common[name], name).toBe((workflow as Record<string, unknown>)[name]);
    }
    expect(common.ApplicationFailure).toBe(client.ApplicationFailure);
    expect(common.CancelledFailure).toBe(activity.CancelledFailure);
    expect(common.TimeoutType.SCHEDULE_TO_CLOSE).toBe('SCHEDULE_TO_CLOSE');
    expect(common.RetryState.MAXIMUM_ATTEMPTS_REACHED).toBe('MAXIMUM_ATTEMPTS_REACHED');
    expect(common.WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY).toBe('ALLOW_DUPLICATE_FAILED_ONLY');
    expect(common.ActivityCancellationType.ABANDON).toBe('ABANDON');
    // the types compile as Temporal code uses them
    const d: Duration = '1 day';
    const sa: SearchAttributes = { CustomIntField: [2], CustomerId: 'c-1' };
    const logger: Pick<Logger, 'info'> = { info: () => undefined };
    expect([d, sa, typeof logger.info]).toEqual(['1 day', { CustomIntField: [2], CustomerId: 'c-1' }, 'function']);
  });

  describe('inside workflow code', () => {
    let ts: TestServer;
    let w: Awaited<ReturnType<typeof startWorker>>;
    beforeAll(async () => {
      ts = await startTestServer();
      w = await startWorker(ts, { taskQueue: 'it-common', workflowsPath: fixture('common-imports.ts') });
    });
    afterAll(async () => {
      await w?.stop();
      await ts?.stop();
    });

    it('a workflow importing weft/common fails with a failure the client decodes', async () => {
      const err = await ts.client.workflow.execute('commonFailure', { taskQueue: 'it-common', workflowId: uid() }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(client.WorkflowFailedError);
      const cause = (err as client.WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(common.ApplicationFailure);
      expect((cause as common.ApplicationFailure).category).toBe(common.ApplicationFailureCategory.BENIGN);
      expect(cause?.message).toBe('same class: true, TRY_CANCEL');
    });
  });
});
