// The client against the real sandbox on 127.0.0.1, one test per answer in cloud-api.md's table (and the pairing flow around it).
// The outbox here is test/cloud/memory-queue.ts, a small in-memory ForwardQueue; the real store implements the same interface.
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../main/cloud/clock.js';
import { Forwarder } from '../../main/cloud/forwarder.js';
import { PairingFailed, pairDevice, unpair } from '../../main/cloud/pairing.js';
import { SECRET_NAMES } from '../../main/cloud/session.js';
import { startSandbox, type Sandbox } from '../../sandbox/server.js';
import { acceptedExactlyOnce, captureLog, pairWith, rig, type Rig } from './fixture.js';
import { MemoryVault, makeTransaction } from './memory-queue.js';
import { waitFor } from '../support/wait.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
});
async function make(...args: Parameters<typeof rig>): Promise<Rig> {
  const r = await rig(...args);
  open.push(r);
  return r;
}
async function sandbox(options: Parameters<typeof startSandbox>[0] = {}): Promise<Sandbox> {
  const s = await startSandbox({ pollIntervalS: 0, ...options });
  open.push(s);
  return s;
}
async function sync(r: Rig, ms = 15_000): Promise<void> {
  r.forwarder.start();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not synced in ${ms} ms: ${JSON.stringify(r.forwarder.status())}`)), ms);
  });
  try {
    await Promise.race([r.forwarder.syncNow(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A clock whose waits pass at once but are remembered (RFC 8628 polling intervals without waiting for them). */
function instantClock(): Clock & { waits: number[] } {
  let t = Date.now();
  const waits: number[] = [];
  return {
    waits,
    now: () => t,
    setTimer(fn, ms) {
      waits.push(ms);
      t += ms;
      const h = setTimeout(fn, 2);
      return { cancel: () => clearTimeout(h) };
    },
  };
}

async function approveOverHttp(s: Sandbox, userCode: string, deny = false): Promise<number> {
  const res = await fetch(`${s.url}/sandbox/device/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_code: userCode, deny }) });
  return res.status;
}

describe('pairing (RFC 8628 device flow)', () => {
  it('shows the code and link, polls at the interval until approved, keeps refresh token, signing secret and agent in the vault, never the access token', async () => {
    const s = await sandbox({ pollIntervalS: 5 });
    const vault = new MemoryVault();
    const clock = instantClock();
    let shown = { user_code: '', verification_uri: '', verification_uri_complete: '' };
    const agent = await pairDevice({
      baseUrl: s.url,
      vault,
      clock,
      onCode: (code) => {
        shown = code;
        setTimeout(() => void approveOverHttp(s, code.user_code), 60);
      },
    });
    expect(shown.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(shown.verification_uri).toBe(`${s.url}/device`);
    expect(shown.verification_uri_complete).toContain(shown.user_code);
    expect(agent.business_name).toBe('Mama Put Kitchen Ltd');
    expect(agent.tin).toBe('12345678-0001');
    expect(clock.waits.length).toBeGreaterThan(1); // it polled while the code was pending
    expect(new Set(clock.waits)).toEqual(new Set([5000]));
    expect([...vault.entries.keys()].sort()).toEqual([SECRET_NAMES.agent, SECRET_NAMES.refreshToken, SECRET_NAMES.signingSecret].sort());
    expect([...vault.entries.values()].some((v) => v.startsWith('at_'))).toBe(false);
    // The approval page is served at verification_uri.
    const page = await (await fetch(shown.verification_uri_complete)).text();
    expect(page).toContain(shown.user_code);
  });

  it('slow_down adds 5 seconds to the interval for good', async () => {
    const s = await sandbox({ pollIntervalS: 2, faults: { slowDownNext: 2 } });
    const clock = instantClock();
    await pairDevice({ baseUrl: s.url, vault: new MemoryVault(), clock, onCode: (code) => setTimeout(() => s.approve(code.user_code), 80) });
    // Two slow_down answers: 2 s, then 7 s, then 12 s for every later poll.
    expect(clock.waits.slice(0, 3)).toEqual([2000, 7000, 12_000]);
    expect(clock.waits.at(-1)).toBe(12_000);
  });

  it('a declined code stops with a plain message', async () => {
    const s = await sandbox();
    const err = await pairDevice({ baseUrl: s.url, vault: new MemoryVault(), onCode: (code) => void approveOverHttp(s, code.user_code, true) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PairingFailed);
    expect((err as PairingFailed).code).toBe('access_denied');
    expect((err as Error).message).toMatch(/declined.*pair/);
  });

  it('an expired code stops and says to pair again', async () => {
    const s = await sandbox({ deviceCodeTtlS: 1, pollIntervalS: 0 });
    const err = await pairDevice({ baseUrl: s.url, vault: new MemoryVault(), onCode: () => undefined }).catch((e: unknown) => e);
    expect((err as PairingFailed).code).toBe('expired_token');
    expect((err as Error).message).toContain('taxpoynt-bridge pair');
  });

  it('unpair revokes at the cloud and deletes the pairing from the vault', async () => {
    const r = await make({}, {}, 3);
    await sync(r);
    await r.forwarder.stop();
    const refresh = r.vault.entries.get(SECRET_NAMES.refreshToken)!;
    expect(await unpair({ baseUrl: r.sandbox.url, vault: r.vault })).toEqual({ revoked: true, wasPaired: true });
    expect(r.vault.entries.size).toBe(0);
    expect(r.sandbox.state.refresh_tokens[refresh]!.alive).toBe(false);
  });
});

describe('POST /v1/transactions/batch answers', () => {
  it('200 accepted: every transaction settles accepted with its IRN, signed, gzip for large bodies', async () => {
    const r = await make({}, { batch: { max_items: 50, max_bytes: 1 << 20, max_wait_ms: 0 } }, 120);
    await sync(r);
    expect(r.queue.inState('accepted')).toHaveLength(120);
    expect(r.queue.inState('accepted').every((row) => row.irn?.startsWith('IRN-'))).toBe(true);
    expect(acceptedExactlyOnce(r)).toBe(true);
    expect(r.forwarder.status().lastSyncAt).not.toBeNull();
    expect(r.sandbox.state.counters.by_status['401'] ?? 0).toBe(0); // the signature was good
    expect(r.sandbox.state.counters.gzip_batches).toBe(r.sandbox.state.counters.batch_requests);
  });

  it('200 duplicate: the same transaction captured again is a duplicate with the same IRN, not a second invoice', async () => {
    const r = await make({}, {}, 5);
    await sync(r);
    const irn = r.queue.rows.get(makeTransaction(1).id)!.irn;
    r.queue.readd(makeTransaction(1));
    r.forwarder.nudge();
    await sync(r);
    const row = r.queue.rows.get(makeTransaction(1).id)!;
    expect(row.state).toBe('duplicate');
    expect(row.irn).toBe(irn);
    expect(r.sandbox.state.transactions[row.id]!.accepted).toBe(1);
  });

  it('200 rejected: permanent for that transaction, kept with its reasons and shown as an alert; the rest go through', async () => {
    const r = await make({ faults: { rejectIds: ['000003'] } }, {}, 6);
    await sync(r);
    const rejected = r.queue.inState('rejected');
    expect(rejected.map((x) => x.id)).toEqual([makeTransaction(3).id]);
    expect(rejected[0]!.problems[0]!.code).toBe('rejected');
    expect(r.queue.inState('accepted')).toHaveLength(5);
    expect(r.forwarder.status().alerts.map((a) => a.code)).toContain('rejected');
  });

  it('400 malformed batch: bisects to isolate the bad transaction while the rest go through', async () => {
    const r = await make({}, { batch: { max_items: 16, max_bytes: 1 << 20, max_wait_ms: 0 } }, 0);
    for (let i = 1; i <= 16; i++) r.queue.add(makeTransaction(i, i === 11 ? { receipt_number: 'MALFORMED-11' } : {}));
    await sync(r);
    const bad = r.queue.inState('rejected');
    expect(bad).toHaveLength(1);
    expect(bad[0]!.json).toContain('MALFORMED-11');
    expect(r.queue.inState('accepted')).toHaveLength(15);
    expect(r.forwarder.status().counters.splits).toBeGreaterThanOrEqual(4); // 16 → 8 → 4 → 2 → 1
  });

  it('401 token_expired: refreshes once (rotating the refresh token) and retries', async () => {
    const r = await make({ faults: { expireTokensNext: 1 } }, {}, 4);
    const before = r.vault.entries.get(SECRET_NAMES.refreshToken)!;
    await sync(r);
    expect(r.queue.inState('accepted')).toHaveLength(4);
    const after = r.vault.entries.get(SECRET_NAMES.refreshToken)!;
    expect(after).not.toBe(before);
    expect(r.sandbox.state.refresh_tokens[before]!.alive).toBe(false);
    expect(r.sandbox.state.refresh_tokens[after]!.alive).toBe(true);
  });

  it('401 timestamp_skew: corrects the clock offset from the Date header and retries', async () => {
    const r = await make({ faults: { clockSkewS: 3600 } }, {}, 4);
    await sync(r);
    expect(r.queue.inState('accepted')).toHaveLength(4);
    expect(Math.abs(r.forwarder.status().clockOffsetMs - 3_600_000)).toBeLessThan(3000);
  });

  it('401 bad_signature when the secrets disagree: retried once, then backs off and tells about the clock', async () => {
    const r = await make({}, {}, 1);
    await sync(r);
    // The cloud's copy of the signing secret changes under the bridge.
    Object.values(r.sandbox.state.agents)[0]!.signing_secret = 'another-secret-the-bridge-does-not-know';
    r.queue.add(makeTransaction(2));
    r.forwarder.nudge();
    await waitFor(() => (r.sandbox.state.counters.by_status['401'] ?? 0) >= 2 && r.forwarder.status().alerts.length > 0, 5000, 'two 401s and an alert');
    expect(r.queue.inState('accepted')).toHaveLength(1);
    expect(r.forwarder.status().alerts.map((a) => a.code)).toContain('clock_skew');
  });

  it('403 agent_disabled (kill switch): stops forwarding, keeps the rows pending, shows it', async () => {
    const r = await make({ faults: { agentDisabled: true } }, {}, 5);
    r.forwarder.start();
    await expect(r.forwarder.syncNow()).rejects.toThrow(/kill switch/);
    const status = r.forwarder.status();
    expect(status.killed).toBe(true);
    expect(status.state).toBe('killed');
    expect(r.queue.counts().pending).toBe(5);
    const requests = r.sandbox.state.counters.batch_requests;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.sandbox.state.counters.batch_requests).toBe(requests); // no hammering
  });

  it('the kill switch in the legacy error envelope is understood too', async () => {
    const r = await make({ faults: { agentDisabled: true, legacyErrors: true } }, {}, 2);
    r.forwarder.start();
    await expect(r.forwarder.syncNow()).rejects.toThrow(/kill switch/);
    expect(r.forwarder.status().killed).toBe(true);
  });

  it('409 idempotency conflict: logged loudly, resent under a new batch id', async () => {
    const r = await make({ faults: { conflictNext: 1 } }, {}, 3);
    await sync(r);
    expect(r.queue.inState('accepted')).toHaveLength(3);
    expect(r.lines.some((l) => l.includes('"level":"error"') && l.includes('IDEMPOTENCY CONFLICT'))).toBe(true);
    expect(r.forwarder.status().counters.conflicts).toBe(1);
  });

  it('413 batch too large: split in halves until the cloud takes them, and remembered', async () => {
    const r = await make({ faults: { maxBatchItems: 10 } }, { batch: { max_items: 40, max_bytes: 1 << 20, max_wait_ms: 0 } }, 100);
    await sync(r);
    expect(r.queue.inState('accepted')).toHaveLength(100);
    expect(acceptedExactlyOnce(r)).toBe(true);
    expect(Object.values(r.sandbox.state.batches).every((b) => b.items <= 10)).toBe(true);
    expect(r.forwarder.currentLimits().max_items).toBe(10);
  });

  it('429 with RateLimit headers: waits as told and never sends more than the advertised budget', async () => {
    const r = await make({ faults: { rateLimit: { limit: 3, windowS: 1 } } }, { batch: { max_items: 1, max_bytes: 1 << 20, max_wait_ms: 0 } }, 9);
    const started = Date.now();
    await sync(r);
    expect(r.queue.inState('accepted')).toHaveLength(9);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500); // three windows' worth
    expect(r.sandbox.state.counters.rate_limited).toBe(0); // the budget was read from the headers of every answer
    expect(Object.values(r.sandbox.state.counters.rate_windows).every((n) => n <= 3)).toBe(true);
  });

  it('429 with Retry-After as seconds: the retry waits that long', async () => {
    const r = await make({}, { batch: { max_items: 1, max_bytes: 1 << 20, max_wait_ms: 0 } }, 1);
    // A budget already spent when the bridge arrives: the first answer is a 429 (no headers seen yet).
    r.sandbox.faults.rateLimit = { limit: 0, windowS: 1 };
    r.forwarder.start();
    // The sandbox counts the 429 before the bridge has read it: wait for the bridge's side.
    await waitFor(() => r.forwarder.status().pace.retryAfterUntil !== null, 5000, 'the first 429 read by the bridge');
    expect(r.sandbox.state.counters.rate_limited).toBe(1);
    r.sandbox.faults.rateLimit = null;
    await sync(r, 5000);
    expect(r.queue.inState('accepted')).toHaveLength(1);
    expect(r.sandbox.state.counters.rate_limited).toBe(1);
  });

  it('429 with Retry-After as an HTTP-date and X-RateLimit-* headers (legacy): honoured the same', async () => {
    const r = await make({ faults: { legacyErrors: true, retryAfterForm: 'date', rateLimit: { limit: 2, windowS: 1 } } }, { batch: { max_items: 1, max_bytes: 1 << 20, max_wait_ms: 0 } }, 6);
    await sync(r);
    expect(r.queue.inState('accepted')).toHaveLength(6);
    expect(r.sandbox.state.counters.rate_limited).toBeLessThanOrEqual(1);
  });

  it('5xx burst: retried with back-off, same batch id, delivered once', async () => {
    const r = await make({ faults: { fail5xx: { count: 4, status: 503 } } }, {}, 10);
    await sync(r);
    expect(r.queue.inState('accepted')).toHaveLength(10);
    expect(acceptedExactlyOnce(r)).toBe(true);
    expect(r.sandbox.state.counters.by_status['503']).toBe(4);
    expect(r.lines.some((l) => l.includes('retrying the same batch later'))).toBe(true);
  });

  it('connection reset after the cloud committed: the same batch id is retried and the stored answer replayed (exactly once)', async () => {
    const r = await make({ faults: { resetAfterCommit: 3 } }, {}, 30);
    await sync(r);
    expect(r.queue.inState('accepted')).toHaveLength(30);
    expect(acceptedExactlyOnce(r)).toBe(true);
    expect(r.sandbox.state.counters.resets).toBe(3);
    expect(r.sandbox.state.counters.replays).toBe(3);
    const retried = Object.values(r.sandbox.state.batches).filter((b) => b.arrivals > 1);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(retried.reduce((n, b) => n + b.arrivals - 1, 0)).toBe(3);
  });

  it('timeout on a slow answer: retried, delivered once', async () => {
    const r = await make({ faults: { slowNext: { count: 1, ms: 1500 } } }, { timeoutMs: 300 }, 5);
    await sync(r);
    expect(r.queue.inState('accepted')).toHaveLength(5);
    expect(acceptedExactlyOnce(r)).toBe(true);
  });

  it('stop() does not wait for a slow answer: the request is abandoned and its rows are pending again', async () => {
    const r = await make({ faults: { slowNext: { count: 1, ms: 10_000 } } }, {}, 3);
    r.forwarder.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.queue.counts().in_flight).toBe(3);
    const started = Date.now();
    await r.forwarder.stop();
    // The answer would take 10 s: stopping well before it shows the request was abandoned.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.queue.counts().pending).toBe(3);
  });

  it('a dead endpoint opens the circuit breaker; a half-open probe closes it when the cloud is back', async () => {
    const r = await make({ faults: { fail5xx: { count: 1000 } } }, { breaker: { failureThreshold: 3, openMs: 400, maxOpenMs: 400 }, backoff: { baseMs: 1, capMs: 5 } }, 3);
    r.forwarder.start();
    await waitFor(() => r.forwarder.status().breaker === 'open', 5000, 'the breaker to open');
    const during = r.sandbox.state.counters.batch_requests;
    expect(during).toBeLessThanOrEqual(4);
    r.sandbox.faults.fail5xx = null;
    await sync(r, 5000);
    expect(r.forwarder.status().breaker).toBe('closed');
    expect(r.queue.inState('accepted')).toHaveLength(3);
  });

  it('invalid_grant on refresh: forwarding stops, rows stay pending, the status says pair again; a new pairing resumes it', async () => {
    const r = await make({ faults: { expireTokensNext: 1 } }, { pairingRecheckMs: 100 }, 4);
    // The pairing was revoked from the dashboard.
    await fetch(`${r.sandbox.url}/oauth/revoke`, { method: 'POST', body: new URLSearchParams({ token: r.vault.entries.get(SECRET_NAMES.refreshToken)! }) });
    r.forwarder.start();
    await expect(r.forwarder.syncNow()).rejects.toThrow(/[Pp]air again/);
    const status = r.forwarder.status();
    expect(status.state).toBe('pairing_lost');
    expect(status.paired).toBe(false);
    expect(r.queue.counts().pending).toBe(4);
    expect(status.alerts.find((a) => a.code === 'pairing_lost')?.message).toContain('taxpoynt-bridge pair');
    // The merchant pairs again (another process writes the vault): forwarding picks it up by itself.
    await pairWith(r.sandbox, r.vault, r.log);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sync(r, 5000);
    expect(r.queue.inState('accepted')).toHaveLength(4);
    expect(r.forwarder.status().state).toBe('idle');
  });
});

describe('a pairing revoked in the dashboard', () => {
  it('the sandbox revokes an agent over HTTP; a config poll finds it with nothing to send, and the vault remembers it for the next start', async () => {
    const r = await make({}, { remoteConfig: { pollMs: 60_000 }, pairingRecheckMs: 100 }, 0);
    const agentId = JSON.parse(r.vault.entries.get(SECRET_NAMES.agent)!).agent_id as string;
    const unknown = await fetch(`${r.sandbox.url}/sandbox/agents/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent_id: 'agt_nobody' }) });
    expect(unknown.status).toBe(404);
    const revoked = await fetch(`${r.sandbox.url}/sandbox/agents/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent_id: agentId }) });
    expect(await revoked.json()).toEqual({ revoked: [agentId] });
    const alerts: string[] = [];
    const f = new Forwarder({
      baseUrl: r.sandbox.url,
      queue: r.queue,
      vault: r.vault,
      log: r.log,
      batch: { max_items: 10, max_bytes: 1 << 20, max_wait_ms: 0 },
      rate: { max_rps: 100 },
      agentVersion: '0.1.0-test',
      remoteConfig: { pollMs: 60_000 },
      heartbeat: false,
      pairingRecheckMs: 100,
      onAlert: (a) => alerts.push(a.code),
    });
    open.push({ close: () => f.stop() });
    f.start();
    // No receipt to send: the first config poll's refresh is what finds it.
    await waitFor(() => f.status().state === 'pairing_lost', 5000, 'the config poll to find the pairing lost');
    expect(alerts).toEqual(['pairing_lost']);
    expect(f.status().alerts[0]!.message).toMatch(/^Pairing lost: TaxPoynt no longer accepts this bridge for Mama Put Kitchen Ltd .*run `taxpoynt-bridge pair`/);
    const mark = JSON.parse(r.vault.entries.get(SECRET_NAMES.pairingLost)!) as { at: string; refresh_sha256: string };
    expect(mark.refresh_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(mark)).not.toContain(r.vault.entries.get(SECRET_NAMES.refreshToken)!);
    await f.stop();

    // The next start knows before asking the cloud anything.
    const before = r.sandbox.state.counters.requests;
    const again = r.forwarder;
    again.start();
    await waitFor(() => again.status().state === 'pairing_lost', 2000, 'the restarted forwarder to know the pairing is lost');
    expect(r.sandbox.state.counters.requests).toBe(before);
    // Pairing again clears the mark, and forwarding resumes by itself.
    await pairWith(r.sandbox, r.vault, r.log);
    expect(r.vault.entries.has(SECRET_NAMES.pairingLost)).toBe(false);
    await waitFor(() => again.status().state === 'idle', 5000, 'the new pairing to be picked up');
    expect(again.status().alerts).toEqual([]);
  });
});

describe('sandbox persistence', () => {
  it('keeps accepted transactions, batch arrivals and pairings in its JSON file across a restart', async () => {
    const { mkdtempSync, rmSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'tp-sandbox-state-'));
    const statePath = join(dir, 'state.json');
    try {
      const r = await rig({ statePath }, {}, 4);
      await sync(r);
      await r.close();
      const saved = JSON.parse(readFileSync(statePath, 'utf8')) as { transactions: Record<string, { accepted: number }>; batches: Record<string, { arrivals: number }> };
      expect(Object.values(saved.transactions).map((t) => t.accepted)).toEqual([1, 1, 1, 1]);
      expect(Object.values(saved.batches).every((b) => b.arrivals === 1)).toBe(true);
      // Restarted on the same file (same port not needed): the pairing still refreshes, and a resend is a duplicate.
      const again = await startSandbox({ statePath });
      open.push(again);
      expect(Object.keys(again.state.transactions)).toHaveLength(4);
      const { Forwarder } = await import('../../main/cloud/forwarder.js');
      const { MemoryQueue } = await import('./memory-queue.js');
      const queue = new MemoryQueue();
      queue.add(makeTransaction(1));
      const f = new Forwarder({ baseUrl: again.url, queue, vault: r.vault, log: r.log, batch: { max_items: 10, max_bytes: 1 << 20, max_wait_ms: 0 }, rate: { max_rps: 100 }, agentVersion: 't', remoteConfig: false });
      open.push({ close: () => f.stop() });
      f.start();
      await f.syncNow();
      expect(queue.inState('duplicate')).toHaveLength(1);
      expect(again.state.transactions[makeTransaction(1).id]!.accepted).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('remote config and heartbeat', () => {
  it('config is polled with ETag; 304 keeps it; a new version applies live (batch size, forwarding off)', async () => {
    const r = await make({}, { remoteConfig: { pollMs: 60_000 } }, 0);
    r.forwarder.start();
    await r.forwarder.pollConfigNow();
    expect(r.forwarder.currentLimits().max_items).toBe(100); // the sandbox default replaced the local 10
    const lines = r.lines.filter((l) => l.includes('remote config applied')).length;
    await r.forwarder.pollConfigNow();
    expect(r.lines.filter((l) => l.includes('remote config applied')).length).toBe(lines); // 304
    expect(r.sandbox.state.counters.by_status['304']).toBe(1);
    const next = structuredClone(r.sandbox.state.remote_config);
    next.version = 2;
    next.batch.max_items = 7;
    next.flags.forwarding_enabled = false;
    r.sandbox.setRemoteConfig(next);
    await r.forwarder.pollConfigNow();
    expect(r.forwarder.currentLimits().max_items).toBe(7);
    expect(r.forwarder.status().state).toBe('disabled');
    r.queue.add(makeTransaction(1));
    r.forwarder.nudge();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(r.queue.counts().pending).toBe(1);
  });

  it('heartbeat sends the contract shape with outbox and API figures', async () => {
    const r = await make(
      { faults: { rejectIds: ['000002'] } },
      {
        heartbeat: {
          everyMs: 60_000,
          figures: () => ({
            devices: [{ id: 'dev-1', kind: 'virtual_printer', state: 'capturing', last_seen: new Date().toISOString() }],
            last_hour: { captured: 3, accepted: 2, rejected: 1, failures_by_integration: {} },
            update: { channel: 'stable', state: 'idle', available_version: null, last_error: null },
          }),
        },
      },
      3,
    );
    await sync(r);
    await r.forwarder.sendHeartbeatNow();
    expect(r.sandbox.state.counters.heartbeats).toBe(1);
    const hb = r.sandbox.state.heartbeats[0]!;
    expect(hb.outbox).toMatchObject({ pending: 0, rejected: 1 });
    expect(hb.devices[0]!.id).toBe('dev-1');
    expect(hb.api.p50_ms).toBeGreaterThanOrEqual(0);
  });
});

describe('logs', () => {
  it('no token, refresh token, signing secret or device code reaches the log', async () => {
    const { log, lines } = captureLog();
    const s = await sandbox({ faults: { expireTokensNext: 1 } });
    const vault = new MemoryVault();
    await pairDevice({ baseUrl: s.url, vault, log, onCode: (c) => s.approve(c.user_code) });
    const { Forwarder } = await import('../../main/cloud/forwarder.js');
    const { MemoryQueue } = await import('./memory-queue.js');
    const queue = new MemoryQueue();
    for (let i = 1; i <= 3; i++) queue.add(makeTransaction(i));
    const f = new Forwarder({ baseUrl: s.url, queue, vault, log, batch: { max_items: 2, max_bytes: 1 << 20, max_wait_ms: 0 }, rate: { max_rps: 100 }, agentVersion: 't', remoteConfig: false });
    f.start();
    await f.syncNow();
    await f.stop();
    const secrets = [...vault.entries.values(), ...Object.keys(s.state.refresh_tokens), ...Object.values(s.state.agents).map((a) => a.signing_secret)];
    const text = lines.join('');
    expect(lines.length).toBeGreaterThan(3);
    for (const secret of secrets) if (secret.length > 16 && !secret.startsWith('{')) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/at_[0-9a-f]{20}/);
  });
});
