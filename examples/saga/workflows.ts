// A trip is a flight, a hotel and a car, or nothing: when a booking fails, the ones made are cancelled, newest
// first, and the workflow fails with the error that stopped it.
import { Saga, proxyActivities } from 'weft/workflow';
import type * as activities from './activities.js';

const { bookFlight, bookHotel, bookCar } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30s',
});

// Compensations have their own retry policy: an undo should try hard before it gives up.
const { cancelFlight, cancelHotel, cancelCar } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumAttempts: 10 },
});

export interface Trip {
  flight: string;
  hotel: string;
  car: string;
}

export async function bookTrip(tripId: string): Promise<Trip> {
  const saga = new Saga(); // newest first; continueOnError: a failed undo does not stop the others
  try {
    const flight = await bookFlight(tripId);
    saga.addCompensation(cancelFlight, flight);
    const hotel = await bookHotel(tripId);
    saga.addCompensation(cancelHotel, hotel);
    const car = await bookCar(tripId);
    saga.addCompensation(cancelCar, car);
    return { flight, hotel, car };
  } catch (err) {
    // never rejects because an undo failed (failures are logged and returned), so `err` is what the workflow fails with
    await saga.compensate();
    throw err;
  }
}
