// Start a workflow and wait for its result.
import { Client, Connection } from 'weft/client';

const connection = await Connection.connect(); // http://127.0.0.1:7411, or WEFT_ADDRESS
const client = new Client({ connection });

const handle = await client.workflow.start('processOrder', {
  taskQueue: 'hello',
  workflowId: `order-${Date.now()}`,
  args: ['A-1001', 4200],
});
console.log(`started ${handle.workflowId}`);
console.log(`result: ${await handle.result()}`);
await connection.close();
