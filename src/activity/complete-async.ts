/**
 * Thrown by an activity that will be finished later, from outside the worker (asynchronous completion, as in
 * Temporal): the worker sends nothing for the attempt and frees its slot; the attempt stays running on the
 * server, its timeouts still counting, until `client.activity.complete|fail|reportCancellation` ends it.
 */
import { brand } from '../common/failure.js';

export class CompleteAsyncError extends Error {
  constructor() {
    super('the activity will be completed asynchronously');
  }
}
// instanceof holds across copies of this module (an activity bundled with its own copy of weft)
brand(CompleteAsyncError, 'CompleteAsyncError');
