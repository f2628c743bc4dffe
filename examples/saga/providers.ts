// A stand-in for the airline's, the hotel's and the car rental's systems: booking id -> what is booked.
// Real activities would call those services instead.
export const bookings = new Map<string, string>();
