/**
 * Update-with-start (Temporal's `WithStartWorkflowOperation`, `executeUpdateWithStart`, `startUpdateWithStart`):
 * one call sends an update to a workflow id's running run, or starts a run that gets the update in its first
 * workflow task. The operation object then hands out the workflow's handle.
 */
import { randomUUID } from 'node:crypto';
import { encodeArgs } from '../common/payload-args.js';
import type { UpdateWithStartResponse } from '../protocol/api.js';
import type { Transport } from './transport.js';
import { ServiceError, WorkflowExecutionAlreadyStartedError } from './errors.js';
import { newRequestId, type WorkflowHandle } from './workflow-handle.js';
import type { Workflow, WorkflowStartOptions } from './workflow-client.js';
import { untilStage } from './update-handle.js';
import { wireStartOptions } from './start-options.js';

/** Start options of an update-with-start: the conflict policy is required (USE_EXISTING or FAIL), as Temporal. */
export type WithStartWorkflowOptions<T extends Workflow | unknown[] = Workflow> = WorkflowStartOptions<T> & {
  workflowIdConflictPolicy: NonNullable<WorkflowStartOptions['workflowIdConflictPolicy']>;
};

/** The start half of an update-with-start; usable once. */
export class WithStartWorkflowOperation<T extends Workflow = Workflow> {
  private used = false;
  private settle!: { resolve: (h: WorkflowHandle<T>) => void; reject: (e: unknown) => void };
  private readonly handlePromise: Promise<WorkflowHandle<T>>;

  constructor(
    readonly workflowTypeOrFunc: string | T,
    readonly options: WithStartWorkflowOptions<T>,
  ) {
    this.handlePromise = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.handlePromise.catch(() => {}); // rejected when the call fails; only an awaiting caller should see it
  }

  /** The workflow's handle (the started run, or the running one that got the update), once the call answered. */
  workflowHandle(): Promise<WorkflowHandle<T>> {
    return this.handlePromise;
  }

  /** @internal */
  markUsed(): void {
    if (this.used) throw new Error('this WithStartWorkflowOperation has been used already: make a new one per call');
    this.used = true;
  }

  /** @internal */
  resolve(h: WorkflowHandle<T>): void {
    this.settle.resolve(h);
  }

  /** @internal */
  reject(e: unknown): void {
    this.settle.reject(e);
  }

  get workflowType(): string {
    return typeof this.workflowTypeOrFunc === 'string' ? this.workflowTypeOrFunc : this.workflowTypeOrFunc.name;
  }
}

/** Sends the update-with-start and waits until the update reached `stage` (long polls as needed). */
export async function sendUpdateWithStart(
  transport: Transport,
  namespace: string,
  op: WithStartWorkflowOperation<Workflow>,
  update: { name: string; args: unknown[]; updateId?: string },
  stage: 'ACCEPTED' | 'COMPLETED',
  headers: { start: Record<string, unknown>; update: Record<string, unknown> } = { start: {}, update: {} },
): Promise<UpdateWithStartResponse> {
  const { args, ...start } = wireStartOptions(op.options);
  const header = (h: Record<string, unknown>) => (Object.keys(h).length > 0 ? { header: h } : {});
  const updateId = update.updateId ?? randomUUID();
  let res: UpdateWithStartResponse;
  try {
    res = await transport.call<UpdateWithStartResponse>('updateWithStart', {
      params: { namespace },
      body: {
        start: {
          ...start,
          workflowType: op.workflowType,
          args: encodeArgs(args ?? []),
          requestId: newRequestId(),
          ...header(headers.start),
        },
        update: {
          updateName: update.name,
          args: encodeArgs(update.args),
          updateId,
          waitForStage: stage,
          ...header(headers.update),
        },
      },
    });
  } catch (e) {
    if (e instanceof ServiceError && e.code === 'WORKFLOW_ALREADY_STARTED')
      throw new WorkflowExecutionAlreadyStartedError(e.message, op.options.workflowId, op.workflowType);
    throw e;
  }
  return { ...res, update: await untilStage(transport, namespace, op.options.workflowId, res.update, stage) };
}
