// The status's "last hour" figures: receipts captured, accepted and rejected, in one-minute buckets, so a busy bridge keeps 60 small records, not one per receipt.

export type HourKind = 'captured' | 'accepted' | 'rejected';

const MINUTE_MS = 60_000;
const HOUR_MS = 3600_000;

interface Bucket {
  minute: number;
  captured: number;
  accepted: number;
  rejected: number;
}

export class HourCounts {
  /** Oldest first, at most 60 (the current minute and the 59 before it). */
  private buckets: Bucket[] = [];

  add(kind: HourKind, now = Date.now()): void {
    const minute = Math.floor(now / MINUTE_MS);
    let last = this.buckets[this.buckets.length - 1];
    if (!last || last.minute !== minute) {
      last = { minute, captured: 0, accepted: 0, rejected: 0 };
      this.buckets.push(last);
    }
    last[kind]++;
    this.prune(now);
  }

  /** Counts over the last hour, to the minute. */
  lastHour(now = Date.now()): Record<HourKind, number> {
    this.prune(now);
    const out = { captured: 0, accepted: 0, rejected: 0 };
    for (const b of this.buckets) {
      out.captured += b.captured;
      out.accepted += b.accepted;
      out.rejected += b.rejected;
    }
    return out;
  }

  private prune(now: number): void {
    const gone = Math.floor((now - HOUR_MS) / MINUTE_MS);
    while (this.buckets.length && this.buckets[0]!.minute <= gone) this.buckets.shift();
  }
}
