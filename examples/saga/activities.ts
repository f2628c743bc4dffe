// Activities for the trip: each books or cancels with a (simulated) provider. They run at least once, so the
// cancellations are idempotent: cancelling a booking that is already gone is not an error.
import { ApplicationFailure, activityInfo } from 'weft/activity';
import { bookings } from './providers.js';

function book(kind: string, tripId: string): string {
  const id = `${kind}-${tripId}`;
  bookings.set(id, `${kind} for trip ${tripId}`);
  console.log(`booked ${id}`);
  return id;
}

function cancel(bookingId: string): void {
  // a real provider would take activityInfo().idempotencyKey to dedupe retried requests
  bookings.delete(bookingId);
  console.log(`cancelled ${bookingId} (attempt ${activityInfo().attempt})`);
}

export async function bookFlight(tripId: string): Promise<string> {
  return book('flight', tripId);
}

export async function bookHotel(tripId: string): Promise<string> {
  return book('hotel', tripId);
}

/** No car is available: retrying will not change that, so the failure is non-retryable. */
export async function bookCar(tripId: string): Promise<string> {
  throw ApplicationFailure.nonRetryable(`no car available for trip ${tripId}`, 'NoCarAvailable');
}

export async function cancelFlight(bookingId: string): Promise<void> {
  cancel(bookingId);
}

export async function cancelHotel(bookingId: string): Promise<void> {
  cancel(bookingId);
}

export async function cancelCar(bookingId: string): Promise<void> {
  cancel(bookingId);
}
