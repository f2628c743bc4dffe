// Activities do the side effects: call services, write to databases. They may run more than once.
export async function reserveInventory(orderId: string): Promise<string> {
  return `reservation-for-${orderId}`;
}

export async function chargePayment(orderId: string, amountCents: number): Promise<string> {
  return `charge-${orderId}-${amountCents}`;
}

export async function shipOrder(orderId: string, reservation: string): Promise<string> {
  return `shipped ${orderId} (${reservation})`;
}
