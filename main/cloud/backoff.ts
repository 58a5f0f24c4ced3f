// Exponential back-off with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"), for 5xx and network errors.
import type { Random } from './clock.js';

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 5 * 60_000 };

export class Backoff {
  private failures = 0;

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: Random = Math.random,
  ) {}

  /** The wait before the next attempt: uniform in [0, min(cap, base·2^failures)). Counts one more failure. */
  next(): number {
    const ceiling = Math.min(this.options.capMs, this.options.baseMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.floor(this.random() * ceiling);
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  reset(): void {
    this.failures = 0;
  }
}
