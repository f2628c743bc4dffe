// A worker for the task queue `expense`. Stop it with Ctrl-C.
import { fileURLToPath } from 'node:url';
import { Worker } from 'weft/worker';
import * as activities from './activities.js';

const worker = await Worker.create({
  taskQueue: 'expense', // connects to WEFT_ADDRESS, or http://127.0.0.1:7411
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities,
});
console.log('worker polling task queue expense');
await worker.run();
