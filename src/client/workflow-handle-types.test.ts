/**
 * Compile-time test (checked by `tsc -p tsconfig.lint.json`): workflow handles are generic over the workflow
 * function as Temporal's are, so Temporal code that types its handles compiles unchanged. Nothing connects.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  WithStartWorkflowOperation,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
  type WorkflowHandleWithSignaledRunId,
  type WorkflowHandleWithStartDetails,
  type WorkflowStartOptions,
} from './index.js';

async function greet(name: string, times: number): Promise<string> {
  return `${name} ${times}`;
}
async function count(): Promise<number> {
  return 1;
}

type IsAny<T> = 0 extends 1 & T ? true : false;

/** Never called: the assertions are about types only. */
async function typed(client: Client): Promise<void> {
  const byFunction = await client.workflow.start(greet, { taskQueue: 'q', workflowId: 'a', args: ['x', 2] });
  expectTypeOf(byFunction).toEqualTypeOf<WorkflowHandleWithStartDetails<typeof greet>>();
  expectTypeOf(byFunction).toMatchTypeOf<WorkflowHandle<typeof greet>>();
  expectTypeOf(byFunction.firstExecutionRunId).toEqualTypeOf<string>();
  expectTypeOf(await byFunction.result()).toEqualTypeOf<string>();

  const byName = await client.workflow.start<typeof greet>('greet', {
    taskQueue: 'q',
    workflowId: 'b',
    args: ['y', 3],
  });
  expectTypeOf(await byName.result()).toEqualTypeOf<string>();
  // @ts-expect-error the arguments are checked against the workflow's parameters
  await client.workflow.start(greet, { taskQueue: 'q', workflowId: 'c', args: [1, 'x'] });
  // a readonly tuple is taken too (Temporal's `Parameters<W> | Readonly<Parameters<W>>`), and still checked
  const fixedArgs = ['z', 4] as const;
  await client.workflow.start(greet, { taskQueue: 'q', workflowId: 'r', args: fixedArgs });
  await client.workflow.execute(greet, { taskQueue: 'q', workflowId: 'r2', args: fixedArgs });
  // @ts-expect-error a readonly tuple of the wrong types is refused
  await client.workflow.start(greet, { taskQueue: 'q', workflowId: 'r3', args: [4, 'z'] as const });

  const handle: WorkflowHandle<typeof count> = client.workflow.getHandle<typeof count>('d');
  expectTypeOf(await handle.result()).toEqualTypeOf<number>();
  const first: WorkflowHandleWithFirstExecutionRunId<typeof count> = await client.workflow.start(count, {
    workflowId: 'e',
  });
  expectTypeOf(await first.result()).toEqualTypeOf<number>();

  // untyped: `any`, as in Temporal
  expectTypeOf<IsAny<Awaited<ReturnType<WorkflowHandle['result']>>>>().toEqualTypeOf<true>();
  const _untyped = await client.workflow.start('greet', { workflowId: 'f', args: ['z', 1] });
  expectTypeOf<IsAny<Awaited<ReturnType<typeof _untyped.result>>>>().toEqualTypeOf<true>();
  const _untypedResult = await client.workflow.result('g');
  expectTypeOf<IsAny<typeof _untypedResult>>().toEqualTypeOf<true>();
  const _untypedHandle = client.workflow.getHandle('g');
  expectTypeOf<IsAny<Awaited<ReturnType<typeof _untypedHandle.result>>>>().toEqualTypeOf<true>();
  expectTypeOf(await client.workflow.result<typeof greet>('g')).toEqualTypeOf<string>();
  expectTypeOf(await client.workflow.execute(greet, { workflowId: 'h', args: ['a', 1] })).toEqualTypeOf<string>();

  // Weft's older form, a result type, still works
  expectTypeOf(await client.workflow.getHandle<string>('i').result()).toEqualTypeOf<string>();

  const signalled = await client.workflow.signalWithStart(greet, {
    workflowId: 'j',
    args: ['s', 1],
    signal: 'go',
    signalArgs: [],
  });
  expectTypeOf(signalled).toEqualTypeOf<WorkflowHandleWithSignaledRunId<typeof greet>>();
  expectTypeOf(signalled.signaledRunId).toEqualTypeOf<string>();

  const options: WorkflowStartOptions<typeof greet> = { workflowId: 'k', args: ['o', 1] };
  expectTypeOf(options.args).toEqualTypeOf<
    [name: string, times: number] | readonly [name: string, times: number] | undefined
  >();
  const op = new WithStartWorkflowOperation(greet, {
    workflowId: 'l',
    args: ['w', 1],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  expectTypeOf(await (await op.workflowHandle()).result()).toEqualTypeOf<string>();
}

describe('workflow handle types', () => {
  it('type-check (tsc -p tsconfig.lint.json)', () => {
    expectTypeOf(typed).toBeFunction();
  });
});
