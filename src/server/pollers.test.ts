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

it('a worker that stopped itself is told so on every poll; one started again with its identity is not', () => {
  const r = new PollerRegistry();
  r.touch('default', 'q', 'pod-0', 1000, undefined, undefined, 'key-a').activePolls += 2;
  r.requestStop('default', 'q', 'pod-0', 2000, 'key-a');
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-a')).toBe(true);
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-a')).toBe(true); // its other poll
  // the container restarts: the same identity (pid 1 on the same host name), a new worker object
  r.touch('default', 'q', 'pod-0', 3000, undefined, undefined, 'key-b');
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-b')).toBe(false);
  // a late poll of the old one is still told
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-a')).toBe(true);
});

it('`weft worker stop --identity` stops the worker object polling then, not one started again later', () => {
  const r = new PollerRegistry();
  r.touch('default', 'q', 'pod-0', 1000, undefined, undefined, 'key-a');
  r.requestStop('default', 'q', 'pod-0', 2000); // no key given: the one polling now
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-a')).toBe(true);
  r.touch('default', 'q', 'pod-0', 3000, undefined, undefined, 'key-b');
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-b')).toBe(false);
  // a worker without a key (an older one) is stopped by identity, as before
  r.requestStop('default', 'q', 'old-worker', 4000);
  expect(r.shouldStop('default', 'q', 'old-worker')).toBe(true);
});

it('a stop of every worker seen so far spares a worker started again with an identity seen before', () => {
  const r = new PollerRegistry();
  r.touch('default', 'q', 'pod-0', 1000, undefined, undefined, 'key-a');
  r.requestStop('default', 'q', undefined, 2000);
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-a')).toBe(true);
  r.touch('default', 'q', 'pod-0', 3000, undefined, undefined, 'key-b');
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-b')).toBe(false);
});

it('a stop by identity heard from another server (no key) spares a worker object first seen after it', () => {
  const r = new PollerRegistry();
  r.requestStop('default', 'q', 'pod-0', 2000); // this server had not seen pod-0 yet
  r.touch('default', 'q', 'pod-0', 1500, undefined, undefined, 'key-a'); // the old one, polling since before
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-a')).toBe(true);
  r.touch('default', 'q', 'pod-0', 3000, undefined, undefined, 'key-b'); // started again after the stop
  expect(r.shouldStop('default', 'q', 'pod-0', 'key-b')).toBe(false);
});
