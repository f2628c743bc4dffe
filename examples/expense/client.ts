// Files an expense and waits for its outcome (a person decides through the CLI meanwhile).
import { Client, Connection } from 'weft/client';

const connection = await Connection.connect(); // http://127.0.0.1:7411, or WEFT_ADDRESS
const client = new Client({ connection });

const expenseId = process.argv[2] ?? `expense-${Date.now()}`;
const amount = Number(process.argv[3] ?? 120);
const handle = await client.workflow.start('expense', {
  taskQueue: 'expense',
  workflowId: expenseId,
  args: [expenseId, amount],
});
console.log(`filed ${expenseId}; the worker prints how to approve or reject it`);
console.log(await handle.result());
await connection.close();
