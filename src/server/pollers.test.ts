import { expect, it } from 'vitest';
import { PollerRegistry } from './pollers.js';

it('a worker asked to stop is told so on each of its polls; other workers are not', () => {
  const r = new PollerRegistry();
  for (const id of ['w1', 'w2']) {
    r.touch('default', 'q', id, 1000).activePolls += 2; // two polls waiting each
  }
  r.requestStop('default', 'q', 'w1', 2000);
  expect(r.shouldStop('default', 'q', 'w1')).toBe(true);
  expect(r.shouldStop('default', 'q', 'w1')).toBe(true); // its second poll too
  r.touch('default', 'q', 'w1', 2100); // a poll that was already on its way
  expect(r.shouldStop('default', 'q', 'w1')).toBe(true);
  expect(r.shouldStop('default', 'q', 'w2')).toBe(false);
  expect(r.hasRecentPoller('default', 'q', 2100, 60_000)).toBe(true); // w2
});

it('a stop of every worker seen so far spares workers that start later', () => {
  const r = new PollerRegistry();
  r.touch('default', 'q', 'old', 1000);
  r.requestStop('default', 'q', undefined, 2000);
  r.touch('default', 'q', 'new', 3000);
  expect(r.shouldStop('default', 'q', 'old')).toBe(true);
  expect(r.shouldStop('default', 'q', 'new')).toBe(false);
});

it('a worker object that stopped itself is told so on every poll; one started again with its identity is not', () => {
  const r = new PollerRegistry();
  r.touch('default', 'q', 'pod-0', 1000).activePolls += 2;
  r.requestStopOf('default', 'q', 'pod-0', 'key-a', 2000);
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-a')).toBe(true);
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-a')).toBe(true); // its other poll
  // the container restarts: the same identity (pid 1 on the same host name), a new worker object
  r.touch('default', 'q', 'pod-0', 3000);
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-b')).toBe(false);
  // a late poll of the old one, on any queue, is still told; another object sharing the identity is not
  expect(r.shouldStop('default', 'other', 'pod-0', 'key-a')).toBe(true);
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-c')).toBe(false);
  // forgotten after 10 minutes
  r.requestStopOf('default', 'q', 'other', 'key-z', 2000 + 10 * 60_000 + 1);
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-a')).toBe(false);
});

it("a worker object's stop does not undo an operator's stop by identity", () => {
  const r = new PollerRegistry();
  r.touch('default', 'q', 'w1', 1000, undefined, undefined, 'key-w1');
  r.requestStop('default', 'q', 'w1', 2000); // `weft worker stop --identity w1`
  r.requestStopOf('default', 'q', 'w1', 'made-up', 2100); // any worker key may call shutdownWorker, with any key
  expect(r.shouldStop('default', 'q', 'w1', 'key-w1')).toBe(true);
  // nor does it make a worker forget its place before a stop of every worker
  r.touch('default', 'q', 'w3', 1000, undefined, undefined, 'key-w3');
  r.requestStopOf('default', 'q', 'w3', 'made-up', 2200);
  r.requestStop('default', 'q', undefined, 2300);
  r.touch('default', 'q', 'w3', 2400, undefined, undefined, 'key-w3');
  expect(r.shouldStop('default', 'q', 'w3', 'key-w3')).toBe(true);
  expect(r.shouldStop('default', 'q', 'w2', 'key-w2')).toBe(false);
});

it('a stop of every worker after a worker object stopped itself spares one started again with its identity', () => {
  const r = new PollerRegistry();
  r.touch('default', 'q', 'pod-0', 1000, undefined, undefined, 'key-a');
  r.requestStopOf('default', 'q', 'pod-0', 'key-a', 2000);
  r.requestStop('default', 'q', undefined, 3000); // `weft worker stop` for every worker
  r.touch('default', 'q', 'pod-0', 4000); // started again
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-b')).toBe(false);
});
