// A workflow orchestrates activities. It is durable: it survives crashes of the server and of workers.
import { proxyActivities } from 'weft/workflow';
import type * as activities from './activities.js';

const { reserveInventory, chargePayment, shipOrder } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30s',
});

export async function processOrder(orderId: string, amountCents: number): Promise<string> {
  const reservation = await reserveInventory(orderId);
  await chargePayment(orderId, amountCents);
  return await shipOrder(orderId, reservation);
}
