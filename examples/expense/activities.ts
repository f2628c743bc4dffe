// `requestApproval` asks a person (here: prints what to run) and returns without a result: it throws
// CompleteAsyncError, and the attempt is finished later by `weft activity complete|fail` or `client.activity`.
import { CompleteAsyncError, activityInfo } from 'weft/activity';

export async function requestApproval(expenseId: string, amount: number): Promise<string> {
  const info = activityInfo();
  console.log(
    `expense ${expenseId} (${amount}) waits for a decision. Approve it with\n` +
      `  npx weft activity complete --workflow-id ${info.workflowId} --activity-id ${info.activityId} --result '"approved"'\n` +
      `or reject it with\n` +
      `  npx weft activity fail --workflow-id ${info.workflowId} --activity-id ${info.activityId} --reason 'no receipt' --non-retryable\n` +
      `(or from code: client.activity.complete(taskToken, 'approved'), taskToken = ${Buffer.from(info.taskToken).toString()})`,
  );
  throw new CompleteAsyncError();
}

export async function payOut(expenseId: string, amount: number): Promise<string> {
  return `paid ${amount} for ${expenseId}`;
}
