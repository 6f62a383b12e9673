import { describe, expect, it } from 'vitest';
import { takenOverLookupDelayMs } from './dispatch-batch.ts';

describe('takenOverLookupDelayMs: when a row taken over from another worker may be settled by lookup', () => {
  it.each([
    { case: 'a row nobody else sent', row: {}, wait: 0 },
    { case: 'lease ended just now: the whole request timeout', row: { takenOver: { leaseEndedMsAgo: 0 } }, wait: 1500 },
    { case: 'lease ended 400 ms ago: the rest of the timeout', row: { takenOver: { leaseEndedMsAgo: 400 } }, wait: 1100 },
    { case: 'lease ended longer ago than the timeout: at once', row: { takenOver: { leaseEndedMsAgo: 9000 } }, wait: 0 },
    { case: 'owner found gone before its lease ended: the timeout, no more', row: { takenOver: { leaseEndedMsAgo: -4000 } }, wait: 1500 },
    { case: 'fractions round up', row: { takenOver: { leaseEndedMsAgo: 0.4 } }, wait: 1500 },
  ])('$case', ({ row, wait }) => {
    expect(takenOverLookupDelayMs(row, 1500)).toBe(wait);
  });
});
