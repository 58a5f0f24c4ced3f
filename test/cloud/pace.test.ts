// Pure pacing cores with an injected clock and randomness: back-off, breaker, AIMD concurrency, rate budget, batcher, header parsing.
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../main/cloud/backoff.js';
import { batchDecision } from '../../main/cloud/batcher.js';
import { CircuitBreaker } from '../../main/cloud/breaker.js';
import { AdaptiveConcurrency } from '../../main/cloud/concurrency.js';
import { parseRetryAfter, RateBudget, readRateLimit } from '../../main/cloud/rate-limit.js';
import { readError, signBody, verifySignature } from '../../main/cloud/contract.js';
import { createHash, createHmac } from 'node:crypto';
import { CloudClient, CloudProtocolError } from '../../main/cloud/client.js';

describe('back-off with full jitter', () => {
  it('waits uniformly below base·2^n, capped, and starts over after a success', () => {
    const top = new Backoff({ baseMs: 100, capMs: 1000 }, () => 0.999999);
    expect([1, 2, 3, 4, 5].map(() => top.next())).toEqual([99, 199, 399, 799, 999]);
    top.reset();
    expect(top.next()).toBe(99);
    const bottom = new Backoff({ baseMs: 100, capMs: 1000 }, () => 0);
    expect(bottom.next()).toBe(0);
  });

  it('a 30-minute back-off is computed, not waited for', () => {
    const b = new Backoff({ baseMs: 1000, capMs: 30 * 60_000 }, () => 0.5);
    let last = 0;
    for (let i = 0; i < 40; i++) last = b.next();
    expect(last).toBe(15 * 60_000);
  });
});

describe('circuit breaker', () => {
  it('opens after repeated failures, lets one probe through after the cool-down, closes on its success', () => {
    const br = new CircuitBreaker({ failureThreshold: 3, openMs: 1000, maxOpenMs: 8000 });
    br.onFailure(0);
    br.onFailure(1);
    expect(br.state(2)).toBe('closed');
    br.onFailure(2);
    expect(br.state(3)).toBe('open');
    expect(br.waitMs(500)).toBe(502);
    expect(br.waitMs(1002)).toBe(0);
    br.onRequest(1002);
    expect(br.state(1003)).toBe('half_open');
    expect(br.waitMs(1003)).toBe(Infinity); // only one probe
    br.onSuccess();
    expect(br.state(1004)).toBe('closed');
  });

  it('a failed probe reopens it for twice as long', () => {
    const br = new CircuitBreaker({ failureThreshold: 1, openMs: 1000, maxOpenMs: 3000 });
    br.onFailure(0);
    br.onRequest(1000);
    br.onFailure(1000);
    expect(br.state(2999)).toBe('open');
    expect(br.state(3000)).toBe('half_open');
    br.onRequest(3000);
    br.onFailure(3000);
    expect(br.openUntilMs()).toBe(6000); // capped at maxOpenMs
  });
});

describe('adaptive concurrency (AIMD)', () => {
  it('grows by one per window of good answers at the limit and halves on overload', () => {
    const c = new AdaptiveConcurrency({ initial: 1, max: 8, decrease: 0.5, latencyFactor: 2, latencyDecrease: 0.9 });
    let t = 0;
    for (let i = 0; i < 20; i++) c.onSuccess(20, (t += 10), true);
    expect(c.limit).toBeGreaterThanOrEqual(5);
    const before = c.limit;
    c.onOverload((t += 10), 20);
    expect(c.limit).toBe(Math.floor(before / 2));
  });

  it('does not grow when the limit was not reached, and never exceeds max', () => {
    const c = new AdaptiveConcurrency({ initial: 2, max: 3, decrease: 0.5, latencyFactor: 2, latencyDecrease: 0.9 });
    for (let i = 0; i < 50; i++) c.onSuccess(20, i * 100, false);
    expect(c.limit).toBe(2);
    for (let i = 0; i < 50; i++) c.onSuccess(20, i * 100, true);
    expect(c.limit).toBe(3);
  });

  it('backs off when latency climbs well above its baseline', () => {
    const c = new AdaptiveConcurrency({ initial: 4, max: 8, decrease: 0.5, latencyFactor: 2, latencyDecrease: 0.5 });
    for (let i = 0; i < 10; i++) c.onSuccess(50, i * 100, false);
    expect(c.limit).toBe(4); // steady latency: no change
    c.onSuccess(400, 2000, false);
    expect(c.limit).toBe(2);
  });

  it('a burst of failures from one moment counts once', () => {
    const c = new AdaptiveConcurrency({ initial: 8, max: 8, decrease: 0.5, latencyFactor: 2, latencyDecrease: 0.9 });
    c.onOverload(1000, 100);
    c.onOverload(1010, 100);
    c.onOverload(1020, 100);
    expect(c.limit).toBe(4);
  });
});

describe('rate-limit headers', () => {
  const date = 'Thu, 26 Nov 2026 06:00:00 GMT';
  const serverNow = Date.parse(date);

  it('reads IETF RateLimit and RateLimit-Policy', () => {
    const s = readRateLimit({ ratelimit: 'limit=100, remaining=0, reset=17', 'ratelimit-policy': '100;w=60' }, 0);
    expect(s).toMatchObject({ limit: 100, remaining: 0, resetMs: 17_000, windowMs: 60_000 });
  });

  it('reads the structured-field form of the later drafts', () => {
    const s = readRateLimit({ ratelimit: '"default";r=3;t=9', 'ratelimit-policy': '"default";q=50;w=30' }, 0);
    expect(s).toMatchObject({ limit: 50, remaining: 3, resetMs: 9000, windowMs: 30_000 });
  });

  it('reads the platform X-RateLimit-* headers, Reset as epoch seconds against the server Date', () => {
    const s = readRateLimit({ 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '5', 'x-ratelimit-reset': String(serverNow / 1000 + 12), date }, 999);
    expect(s).toMatchObject({ limit: 60, remaining: 5, resetMs: 12_000 });
  });

  it('reads Retry-After in both forms (seconds, HTTP-date against the server clock)', () => {
    expect(parseRetryAfter('7', null, 0)).toBe(7000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 06:00:30 GMT', serverNow, 123)).toBe(30_000);
    expect(parseRetryAfter('soon', null, 0)).toBeNull();
  });
});

describe('rate budget', () => {
  it('never plans more requests than the server says remain in its window', () => {
    const b = new RateBudget(1000);
    let t = 0;
    b.onSend(t);
    b.onAnswer({ limit: 3, remaining: 2, resetMs: 10_000, windowMs: 10_000, retryAfterMs: null }, (t += 5));
    let sent = 1;
    while (b.waitMs(t) === 0) {
      b.onSend(t);
      sent++;
      t += 1;
    }
    expect(sent).toBe(3);
    expect(b.waitMs(t)).toBeGreaterThan(9_000);
  });

  it('counts requests still in flight against the remaining budget', () => {
    const b = new RateBudget(1000);
    b.onSend(0);
    b.onAnswer({ limit: 10, remaining: 2, resetMs: 5000, windowMs: 10_000, retryAfterMs: null }, 1);
    b.onSend(2);
    b.onSend(3);
    expect(b.waitMs(4)).toBeGreaterThan(4000);
  });

  it('the budget is whole again once the window has passed', () => {
    const b = new RateBudget(1000);
    b.onSend(0);
    b.onAnswer({ limit: 2, remaining: 0, resetMs: 3000, windowMs: 10_000, retryAfterMs: null }, 0);
    expect(b.waitMs(100)).toBe(2900);
    expect(b.waitMs(3000)).toBe(0);
    expect(b.view(3000).remaining).toBe(2);
  });

  it('honours Retry-After and the local max_rps', () => {
    const b = new RateBudget(2);
    b.onSend(0);
    expect(b.waitMs(0)).toBe(500);
    b.onAnswer({ limit: null, remaining: null, resetMs: null, windowMs: null, retryAfterMs: 4000 }, 100);
    expect(b.waitMs(600)).toBe(3500);
  });
});

describe('batcher', () => {
  const limits = { max_items: 10, max_bytes: 1 << 20, max_wait_ms: 2000 };
  it('sends at max_items, or when the oldest has waited max_wait_ms, else says how long to wait', () => {
    expect(batchDecision(0, 0, null, limits)).toEqual({ send: false, waitMs: Infinity });
    expect(batchDecision(0, 10, 0, limits).send).toBe(true);
    expect(batchDecision(500, 3, 0, limits)).toEqual({ send: false, waitMs: 1500 });
    expect(batchDecision(2000, 3, 0, limits).send).toBe(true);
  });
});

describe('contract helpers', () => {
  it('signs exactly as §2: HMAC-SHA256(secret, timestamp + "." + hex sha256(body as sent))', () => {
    const body = Buffer.from('{"a":1}');
    const expected = 'v1=' + createHmac('sha256', 's3cret-signing-key').update('1700000000.' + createHash('sha256').update(body).digest('hex')).digest('hex');
    expect(signBody('s3cret-signing-key', 1700000000, body)).toBe(expected);
    expect(verifySignature('s3cret-signing-key', 1700000000, body, expected)).toBe(true);
    expect(verifySignature('s3cret-signing-key', 1700000001, body, expected)).toBe(false);
  });

  it('reads errors in both envelopes', () => {
    expect(readError({ type: 'x', title: 'Disabled', status: 403, detail: 'off', code: 'agent_disabled' })).toMatchObject({ code: 'agent_disabled', detail: 'off' });
    expect(readError({ success: false, error: 'off', error_code: 'agent_disabled', details: [{ field: 'a', code: 'b', message: 'c' }] })).toMatchObject({ code: 'agent_disabled', errors: [{ field: 'a' }] });
  });
});

describe('base URL', () => {
  it('refuses plain http:// unless the host is loopback', () => {
    expect(() => new CloudClient({ baseUrl: 'http://api.taxpoynt.com' })).toThrow(CloudProtocolError);
    expect(() => new CloudClient({ baseUrl: 'http://127.0.0.1:8787' }).close()).not.toThrow();
    expect(() => new CloudClient({ baseUrl: 'https://api.taxpoynt.com' }).close()).not.toThrow();
  });
});
