// An expense is paid only once a person approves it; a rejection or no decision within a day ends it unpaid.
import { ActivityFailure, proxyActivities } from 'weft/workflow';
import type * as activities from './activities.js';

const { requestApproval } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 day', // the person's deadline: the attempt times out if nobody decides
  retry: { maximumAttempts: 1 },
});
const { payOut } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export async function expense(expenseId: string, amount: number): Promise<string> {
  let decision: string;
  try {
    decision = await requestApproval(expenseId, amount);
  } catch (err) {
    if (err instanceof ActivityFailure) return `not paid: ${err.cause?.message ?? err.message}`;
    throw err;
  }
  if (decision !== 'approved') return `not paid: ${decision}`;
  return payOut(expenseId, amount);
}
