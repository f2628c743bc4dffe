// Book a trip and show how it ended: the car cannot be booked, so the flight and the hotel are cancelled.
import { Client, Connection, WorkflowFailedError } from 'weft/client';

const connection = await Connection.connect(); // http://127.0.0.1:7411, or WEFT_ADDRESS
const client = new Client({ connection });

const tripId = process.argv[2] ?? `trip-${Date.now()}`;
const handle = await client.workflow.start('bookTrip', { taskQueue: 'saga', workflowId: tripId, args: [tripId] });
console.log(`started ${handle.workflowId}`);
try {
  console.log('booked:', await handle.result());
} catch (err) {
  if (!(err instanceof WorkflowFailedError)) throw err;
  // the cause chain: ActivityFailure (bookCar) -> ApplicationFailure NoCarAvailable
  console.log(`trip failed: ${err.cause?.message}: ${(err.cause?.cause as Error | undefined)?.message}`);
  const { events } = await handle.fetchHistory();
  const scheduled = events
    .filter((e) => e.eventType === 'ActivityTaskScheduled')
    .map((e) => (e.attributes as { activityType: string }).activityType);
  console.log(`activities, in order: ${scheduled.join(', ')}`);
}
await connection.close();
