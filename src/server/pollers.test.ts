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
