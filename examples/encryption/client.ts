// Opens an account: starts the workflow, approves it with a signal, prints the result, then shows what the
// server stored for the input (ciphertext) next to what this client reads (plain).
import { Client, Connection } from 'weft/client';
import { openAccount, approve, status } from './workflows.js';
import { dataConverter } from './keys.js';

const connection = await Connection.connect(); // http://127.0.0.1:7411, or WEFT_ADDRESS
const client = new Client({ connection, dataConverter });

const workflowId = process.argv[2] ?? `account-${Date.now()}`;
const handle = await client.workflow.start(openAccount, {
  taskQueue: 'encryption',
  workflowId,
  args: [{ name: 'Ada Lovelace', taxId: 'GB-1815-12-10' }],
  memo: { channel: 'branch office 7' },
});
console.log(`started ${workflowId}: ${await handle.query(status)}`);
await handle.signal(approve, 'approved by J. Smith');
console.log(`result: ${await handle.result()}`);

const { events } = await handle.fetchHistory(); // as stored: encrypted
const started = events[0]!.attributes as { input: unknown[] };
console.log('input as the server stores it:', JSON.stringify(started.input[0]).slice(0, 120), '...');
console.log('memo as this client reads it:', (await handle.describe()).memo);
await connection.close();
