export const EXECUTION_STATUSES = [
  'Running',
  'Completed',
  'Failed',
  'Cancelled',
  'Terminated',
  'TimedOut',
  'ContinuedAsNew',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export function isTerminal(s: ExecutionStatus): boolean {
  return s !== 'Running';
}
