/**
 * Workflow updates from the client: send one and wait for a stage (accepted, completed); a handle waits for
 * the result later. The server's answer may come before the stage (its long-poll ended): the client asks again.
 */
import { encodeArgs } from '../common/payload-args.js';
import { randomUUID } from 'node:crypto';
import { decodeFailure } from '../common/failure.js';
import type { UpdateWorkflowResponse } from '../protocol/api.js';
import { WorkflowUpdateFailedError } from './errors.js';
import type { Transport } from './transport.js';

/** Temporal's enum object (`UNSPECIFIED` is not a stage one can wait for). */
export const WorkflowUpdateStage = {
  ADMITTED: 'ADMITTED',
  ACCEPTED: 'ACCEPTED',
  COMPLETED: 'COMPLETED',
  UNSPECIFIED: undefined,
} as const;
export type WorkflowUpdateStage = NonNullable<(typeof WorkflowUpdateStage)[keyof typeof WorkflowUpdateStage]>;

export type UpdateRef<R, Args extends unknown[]> = string | { name: string; type: 'update'; __args?: Args; __ret?: R };

export interface UpdateOptions<Args extends unknown[]> {
  args?: Args;
  /** An id seen before returns that update's outcome and runs nothing. Default: a new uuid. */
  updateId?: string;
}

const RANK = { ADMITTED: 0, ACCEPTED: 1, COMPLETED: 2 } as const;

export class WorkflowUpdateHandle<R = unknown> {
  constructor(
    private readonly transport: Transport,
    private readonly namespace: string,
    readonly workflowId: string,
    readonly workflowRunId: string,
    readonly updateId: string,
    private known?: UpdateWorkflowResponse,
  ) {}

  /** Waits for the update to complete: its result, or WorkflowUpdateFailedError (rejected or failed). */
  async result(): Promise<R> {
    let r = this.known;
    while (!r || r.stage !== 'COMPLETED') {
      r = await this.transport.call<UpdateWorkflowResponse>('pollWorkflowUpdate', {
        params: { namespace: this.namespace, workflowId: this.workflowId, updateId: this.updateId },
        query: { runId: this.workflowRunId, waitForStage: 'COMPLETED' },
      });
    }
    this.known = r;
    return outcomeOf<R>(r);
  }
}

function outcomeOf<R>(r: UpdateWorkflowResponse): R {
  const f = r.outcome?.failure;
  if (f) throw new WorkflowUpdateFailedError('Workflow Update failed', decodeFailure(f));
  return r.outcome?.result as R;
}

/** Sends the update and waits until it reached `stage` (asking again while the server's wait ends first). */
export async function sendUpdate(
  transport: Transport,
  namespace: string,
  workflowId: string,
  runId: string | undefined,
  name: string,
  opts: UpdateOptions<unknown[]>,
  stage: 'ACCEPTED' | 'COMPLETED',
  header?: Record<string, unknown>,
): Promise<UpdateWorkflowResponse> {
  const updateId = opts.updateId ?? randomUUID();
  const r = await transport.call<UpdateWorkflowResponse>('updateWorkflow', {
    params: { namespace, workflowId },
    body: {
      updateName: name,
      args: encodeArgs(opts.args ?? []),
      updateId,
      waitForStage: stage,
      ...(runId ? { runId } : {}),
      ...(header && Object.keys(header).length > 0 ? { header } : {}),
    },
  });
  return untilStage(transport, namespace, workflowId, r, stage);
}

/** Polls an update answered before `stage` (the server's wait ended first) until it reaches it. */
export async function untilStage(
  transport: Transport,
  namespace: string,
  workflowId: string,
  answer: UpdateWorkflowResponse,
  stage: 'ACCEPTED' | 'COMPLETED',
): Promise<UpdateWorkflowResponse> {
  let r = answer;
  while (RANK[r.stage] < RANK[stage]) {
    r = await transport.call<UpdateWorkflowResponse>('pollWorkflowUpdate', {
      params: { namespace, workflowId, updateId: r.updateId },
      query: { runId: r.runId, waitForStage: stage },
    });
  }
  return r;
}

export { outcomeOf as updateOutcome };
