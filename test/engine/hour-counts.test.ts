// The status's last-hour figures: exact counts over the last hour, in bounded memory however busy the bridge is.
import { describe, expect, it } from 'vitest';
import { HourCounts } from '../../main/engine/hour-counts.js';

describe('last-hour counts', () => {
  it('count what happened in the last hour and forget what is older', () => {
    const h = new HourCounts();
    const t0 = Date.parse('2026-12-02T08:00:00Z');
    h.add('captured', t0);
    h.add('accepted', t0 + 1000);
    h.add('captured', t0 + 30 * 60_000);
    h.add('rejected', t0 + 30 * 60_000);
    expect(h.lastHour(t0 + 45 * 60_000)).toEqual({ captured: 2, accepted: 1, rejected: 1 });
    // An hour on, the first minute has left the hour; the half-hour mark has not.
    expect(h.lastHour(t0 + 60 * 60_000)).toEqual({ captured: 1, accepted: 0, rejected: 1 });
    expect(h.lastHour(t0 + 200 * 60_000)).toEqual({ captured: 0, accepted: 0, rejected: 0 });
  });

  it('keep a day at 20 receipts a second in at most 60 records', () => {
    const h = new HourCounts();
    const t0 = Date.parse('2026-12-02T00:00:00Z');
    for (let ms = 0; ms < 24 * 3600_000; ms += 50) h.add('captured', t0 + ms);
    const held = (h as unknown as { buckets: unknown[] }).buckets.length;
    expect(held).toBeLessThanOrEqual(60);
    // The current minute and the 59 before it: 20 a second, 1,200 a minute.
    expect(h.lastHour(t0 + 24 * 3600_000 - 50).captured).toBe(60 * 1200);
  });
});
