// A worker for the task queue `encryption`: it decrypts what workflows and activities receive and encrypts what
// they produce. Stop it with Ctrl-C.
import { fileURLToPath } from 'node:url';
import { Worker } from 'weft/worker';
import * as activities from './activities.js';
import { dataConverter } from './keys.js';

const worker = await Worker.create({
  taskQueue: 'encryption', // connects to WEFT_ADDRESS, or http://127.0.0.1:7411
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities,
  dataConverter,
});
console.log('worker polling task queue encryption');
await worker.run();
