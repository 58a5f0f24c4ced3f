// Circuit breaker: open after repeated failures, one half-open probe after a cool-down, closed again on success.

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** First cool-down; doubled each time a probe fails, up to maxOpenMs. */
  openMs: number;
  maxOpenMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 5, openMs: 30_000, maxOpenMs: 10 * 60_000 };

export class CircuitBreaker {
  private state_: BreakerState = 'closed';
  private failures = 0;
  private openUntil = 0;
  private cooldown: number;
  private probeOut = false;

  constructor(private readonly options: BreakerOptions = DEFAULT_BREAKER) {
    this.cooldown = options.openMs;
  }

  state(now: number): BreakerState {
    if (this.state_ === 'open' && now >= this.openUntil) {
      this.state_ = 'half_open';
      this.probeOut = false;
    }
    return this.state_;
  }

  /** 0 when a request may go now; otherwise how long until one may (Infinity while a half-open probe is out). */
  waitMs(now: number): number {
    const state = this.state(now);
    if (state === 'closed') return 0;
    if (state === 'open') return this.openUntil - now;
    return this.probeOut ? Infinity : 0;
  }

  /** Call when a request is sent: in half-open, it is the one probe. */
  onRequest(now: number): void {
    if (this.state(now) === 'half_open') this.probeOut = true;
  }

  onSuccess(): void {
    this.state_ = 'closed';
    this.failures = 0;
    this.probeOut = false;
    this.cooldown = this.options.openMs;
  }

  onFailure(now: number): void {
    const state = this.state(now);
    if (state === 'half_open') {
      this.cooldown = Math.min(this.options.maxOpenMs, this.cooldown * 2);
      this.open(now);
      return;
    }
    this.failures++;
    if (state === 'closed' && this.failures >= this.options.failureThreshold) this.open(now);
  }

  /** When the circuit will next let a probe through, or null when closed. */
  openUntilMs(): number | null {
    return this.state_ === 'closed' ? null : this.openUntil;
  }

  private open(now: number): void {
    this.state_ = 'open';
    this.openUntil = now + this.cooldown;
    this.probeOut = false;
  }
}
