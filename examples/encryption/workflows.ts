// `openAccount` handles a customer's personal data: its input, the activity's arguments and results, the note
// signalled to it and its result are all encrypted before they leave the worker or the client.
import { defineQuery, defineSignal, proxyActivities, setHandler, condition } from 'weft/workflow';
import type * as activities from './activities.js';

export interface Customer {
  name: string;
  taxId: string;
}

const { checkIdentity, createAccount } = proxyActivities<typeof activities>({ startToCloseTimeout: '30s' });

export const approve = defineSignal<[note: string]>('approve');
export const status = defineQuery<string>('status');

export async function openAccount(customer: Customer): Promise<string> {
  let state = 'checking identity';
  let note: string | undefined;
  setHandler(status, () => state);
  setHandler(approve, (n) => void (note = n));
  const verified = await checkIdentity(customer);
  state = 'waiting for approval';
  await condition(() => note !== undefined);
  state = 'creating account';
  const account = await createAccount(customer, verified);
  return `${account} for ${customer.name} (${note})`;
}
