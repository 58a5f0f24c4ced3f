// The server's rate-limit answers (IETF RateLimit/RateLimit-Policy, X-RateLimit-*, Retry-After) and the request budget they allow.

export type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Parses `a=1, b=2` and structured-field `"default";r=0;t=17` forms into a map. */
function params(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of value.split(/[;,]/)) {
    const m = /^\s*([a-zA-Z-]+)\s*=\s*"?([^"]*)"?\s*$/.exec(part);
    if (m) out.set(m[1]!.toLowerCase(), m[2]!);
  }
  return out;
}

function num(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export interface RateLimitSnapshot {
  limit: number | null;
  remaining: number | null;
  /** Milliseconds until the window resets, from when the answer arrived. */
  resetMs: number | null;
  windowMs: number | null;
  /** Retry-After, in milliseconds from when the answer arrived. */
  retryAfterMs: number | null;
}

/** The server's clock from its `Date` header (ms), or null. */
export function serverDate(headers: HeaderBag): number | null {
  const value = header(headers, 'date');
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

/** Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, the latter read against the server's own Date. */
export function parseRetryAfter(value: string | undefined, serverNow: number | null, localNow: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - (serverNow ?? localNow));
}

export function readRateLimit(headers: HeaderBag, localNow: number): RateLimitSnapshot {
  const snapshot: RateLimitSnapshot = { limit: null, remaining: null, resetMs: null, windowMs: null, retryAfterMs: null };
  const date = serverDate(headers);
  snapshot.retryAfterMs = parseRetryAfter(header(headers, 'retry-after'), date, localNow);

  const policy = header(headers, 'ratelimit-policy');
  if (policy) {
    const first = policy.split(',')[0]!;
    const p = params(first);
    const quota = num(p.get('q')) ?? num(/^\s*(\d+)/.exec(first)?.[1]);
    if (quota !== null) snapshot.limit = quota;
    const w = num(p.get('w'));
    if (w !== null) snapshot.windowMs = w * 1000;
  }
  const current = header(headers, 'ratelimit');
  if (current) {
    const p = params(current);
    snapshot.limit = num(p.get('limit')) ?? snapshot.limit;
    snapshot.remaining = num(p.get('remaining')) ?? num(p.get('r'));
    const reset = num(p.get('reset')) ?? num(p.get('t'));
    if (reset !== null) snapshot.resetMs = reset * 1000;
  }
  if (snapshot.remaining === null) {
    const remaining = num(header(headers, 'x-ratelimit-remaining'));
    if (remaining !== null) {
      snapshot.remaining = remaining;
      snapshot.limit = num(header(headers, 'x-ratelimit-limit')) ?? snapshot.limit;
      const reset = num(header(headers, 'x-ratelimit-reset'));
      // The platform sends epoch seconds; a small number is read as delta-seconds.
      if (reset !== null) snapshot.resetMs = reset > 1e9 ? Math.max(0, reset * 1000 - (date ?? localNow)) : reset * 1000;
    }
  }
  return snapshot;
}

/**
 * How many batch requests may go, and when: never more than the server's advertised remaining budget in its
 * window, never before a Retry-After, never faster than the local (or remote-config) max_rps.
 */
export class RateBudget {
  private limit: number | null = null;
  private remaining: number | null = null;
  private resetAt: number | null = null;
  private windowMs: number | null = null;
  private blockedUntil = 0;
  private nextLocalAt = 0;
  /** Requests sent whose answers have not arrived: the server may not have counted them in what it last said. */
  private outstanding = 0;
  private maxRps: number;

  constructor(maxRps: number) {
    this.maxRps = maxRps;
  }

  setMaxRps(maxRps: number): void {
    this.maxRps = maxRps;
  }

  /** 0 when a request may go now, else milliseconds to wait. */
  waitMs(now: number): number {
    let wait = Math.max(0, this.blockedUntil - now, this.nextLocalAt - now);
    this.roll(now);
    if (this.remaining !== null && this.resetAt !== null && this.remaining - this.outstanding <= 0) {
      wait = Math.max(wait, this.resetAt - now);
    }
    return wait;
  }

  onSend(now: number): void {
    this.outstanding++;
    this.nextLocalAt = Math.max(now, this.nextLocalAt) + 1000 / this.maxRps;
  }

  /** Every answer (not only 429) carries the server's view of the budget. */
  onAnswer(snapshot: RateLimitSnapshot, now: number): void {
    this.outstanding = Math.max(0, this.outstanding - 1);
    if (snapshot.windowMs !== null) this.windowMs = snapshot.windowMs;
    if (snapshot.limit !== null) this.limit = snapshot.limit;
    if (snapshot.remaining !== null) {
      const resetAt = snapshot.resetMs !== null ? now + snapshot.resetMs : null;
      // Answers arrive late and out of order: only a reset a good part of a window later is a new window.
      const slack = this.windowMs !== null ? this.windowMs / 2 : 1000;
      if (resetAt === null || this.resetAt === null || resetAt > this.resetAt + slack) {
        // A new window (or the first answer).
        this.remaining = snapshot.remaining;
        this.resetAt = resetAt ?? this.resetAt;
      } else if (resetAt >= this.resetAt - slack) {
        // The same window: reset is rounded up to whole seconds and read late, so the earliest bound is the truest.
        this.remaining = Math.min(this.remaining ?? Infinity, snapshot.remaining);
        this.resetAt = Math.min(this.resetAt, resetAt);
      }
      // Otherwise the answer is from a window already over: ignore it.
    }
    if (snapshot.retryAfterMs !== null) this.blockedUntil = Math.max(this.blockedUntil, now + snapshot.retryAfterMs);
  }

  /** A request that got no answer (reset, timeout) no longer counts as outstanding. */
  onNoAnswer(): void {
    this.outstanding = Math.max(0, this.outstanding - 1);
  }

  view(now: number): { limit: number | null; remaining: number | null; resetAt: number | null; blockedUntil: number | null; maxRps: number } {
    this.roll(now);
    return {
      limit: this.limit,
      remaining: this.remaining === null ? null : Math.max(0, this.remaining - this.outstanding),
      resetAt: this.resetAt,
      blockedUntil: this.blockedUntil > now ? this.blockedUntil : null,
      maxRps: this.maxRps,
    };
  }

  /** The server's window has passed: its budget is whole again (as far as we know until it says otherwise). */
  private roll(now: number): void {
    if (this.resetAt !== null && now >= this.resetAt) {
      // A zero or unknown limit: let one request find out what the server says now.
      this.remaining = this.limit ? this.limit : null;
      this.resetAt = this.limit !== null && this.windowMs !== null ? this.resetAt + this.windowMs : null;
      if (this.resetAt !== null && this.resetAt <= now) this.resetAt = null;
      if (this.resetAt === null) this.remaining = null;
    }
  }
}
