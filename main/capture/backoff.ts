// Reconnection back-off: doubling delays with a cap and injected jitter, so a test of a long outage runs instantly.

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** 0..1 → fraction of the delay added as jitter; injected for deterministic tests. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly initial: number;
  private readonly max: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initial = options.initialMs ?? 250;
    this.max = options.maxMs ?? 30_000;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; grows with each call until reset. */
  next(): number {
    const base = Math.min(this.max, this.initial * 2 ** Math.min(this.attempt, 20));
    this.attempt++;
    return Math.round(Math.min(this.max, base * (1 + 0.2 * this.random())));
  }

  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
