// Adaptive request concurrency (AIMD on latency and errors, after Vector's adaptive_concurrency): how many batches may be in flight.

export interface ConcurrencyOptions {
  initial: number;
  max: number;
  /** Multiplicative decrease on overload (429, 5xx, timeout, reset). */
  decrease: number;
  /** Multiplicative decrease when latency rises above the baseline by this factor. */
  latencyFactor: number;
  latencyDecrease: number;
}

export const DEFAULT_CONCURRENCY: ConcurrencyOptions = { initial: 1, max: 32, decrease: 0.5, latencyFactor: 2, latencyDecrease: 0.9 };

export class AdaptiveConcurrency {
  private limit_: number;
  /** Fractional part of additive increase: +1 after `limit` good answers at the limit (TCP congestion avoidance). */
  private credit = 0;
  private baselineMs: number | null = null;
  private recentMs: number | null = null;
  private samples = 0;
  private lastDecreaseAt = -Infinity;

  constructor(private readonly options: ConcurrencyOptions = DEFAULT_CONCURRENCY) {
    this.limit_ = Math.max(1, Math.min(options.initial, options.max));
  }

  get limit(): number {
    return Math.floor(this.limit_);
  }

  /** The long-run mean latency of good answers, or null before the first. */
  get typicalLatencyMs(): number | null {
    return this.baselineMs;
  }

  /** A good answer. `atLimit`: the in-flight count had reached the limit when it was sent, so more could help. */
  onSuccess(latencyMs: number, now: number, atLimit: boolean): void {
    // Vector's ARC compares the recent round-trip time with its long-run mean: a short and a long moving average here.
    this.recentMs = this.recentMs === null ? latencyMs : this.recentMs * 0.7 + latencyMs * 0.3;
    this.baselineMs = this.baselineMs === null ? latencyMs : this.baselineMs * 0.95 + latencyMs * 0.05;
    this.samples++;
    if (this.samples >= 5 && this.recentMs > this.baselineMs * this.options.latencyFactor && this.recentMs > 50) {
      this.decrease(now, this.options.latencyDecrease, latencyMs);
      return;
    }
    if (!atLimit) return;
    this.credit += 1 / this.limit_;
    if (this.credit >= 1) {
      this.credit = 0;
      this.limit_ = Math.min(this.options.max, this.limit_ + 1);
    }
  }

  /** Back-pressure: the server or the network said "too much". */
  onOverload(now: number, latencyMs: number): void {
    this.decrease(now, this.options.decrease, latencyMs);
  }

  /** Caps the limit (remote config's rate, a learned budget). */
  setMax(max: number): void {
    (this.options as { max: number }).max = Math.max(1, max);
    this.limit_ = Math.min(this.limit_, this.options.max);
  }

  private decrease(now: number, factor: number, latencyMs: number): void {
    // One decrease per round trip: a burst of failures from the same moment is one signal, not many.
    if (now - this.lastDecreaseAt < Math.max(latencyMs, 1)) return;
    this.lastDecreaseAt = now;
    this.credit = 0;
    this.limit_ = Math.max(1, this.limit_ * factor);
  }
}
