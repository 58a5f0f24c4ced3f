// The forwarder: claims batches from the outbox, sends them signed and paced, applies per-item results, retries what is transient.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { ForwardQueue, Problem } from '../store/types.js';
import type { Logger } from '../telemetry/log.js';
import type { Vault } from '../vault/index.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { batchDecision, type BatchLimits } from './batcher.js';
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerOptions, type BreakerState } from './breaker.js';
import { CloudClient, CloudUnreachable, type Answer, type CloudTimeouts } from './client.js';
import { systemClock, type Clock, type Random, type Timer } from './clock.js';
import { AdaptiveConcurrency, DEFAULT_CONCURRENCY, type ConcurrencyOptions } from './concurrency.js';
import { BatchResponse, ERROR_CODES, MAX_BATCH_ITEMS, readError, type AgentInfo, type BatchResult, type RemoteConfig } from './contract.js';
import { ApiWindow, HeartbeatSender, type HeartbeatFigures } from './heartbeat.js';
import { memoryOnly, type LearnedLimits, type LimitsMemory } from './learned-limits.js';
import { RateBudget, readRateLimit, serverDate } from './rate-limit.js';
import { REMOTE_CONFIG_POLL_MS, RemoteConfigPoller } from './remote-config.js';
import { CloudSession, NotPaired, PairingLost, pairingLostMessage } from './session.js';

export interface ForwarderOptions {
  baseUrl: string;
  queue: ForwardQueue;
  vault: Vault;
  log: Logger;
  batch: BatchLimits;
  rate: { max_rps: number };
  agentVersion: string;
  clock?: Clock;
  random?: Random;
  /** Shorthand for timeouts.requestMs. */
  timeoutMs?: number;
  /** Per phase (connect, TLS, first byte, whole request): see client.ts DEFAULT_TIMEOUTS. */
  timeouts?: Partial<CloudTimeouts>;
  /** Where what the cloud said about batch size is kept across restarts (default: this process only). */
  memory?: LimitsMemory;
  /**
   * A request with no answer after this long (and after 4× the usual latency) stops holding a concurrency slot: another
   * batch may go beside it, so one dead connection costs one batch, not the queue (idempotency keys make it safe).
   */
  stallMs?: number;
  /** A pairing made while this forwarder runs was picked up (after `pair`, or after a lost pairing): what waited goes now. */
  onPaired?: (agent: AgentInfo, wasLost: boolean) => void;
  /** An alert was raised (pairing lost, kill switch…): the engine shows it at once. */
  onAlert?: (alert: ForwarderAlert) => void;
  /** Bodies larger than this are sent gzip-compressed (0: always). */
  gzipMinBytes?: number;
  backoff?: BackoffOptions;
  breaker?: BreakerOptions;
  concurrency?: Partial<ConcurrencyOptions>;
  /** How often to look for work nobody announced with nudge() (rows returned by a restart, say). */
  idlePollMs?: number;
  /** After the kill switch, send one probe batch this often to see whether forwarding is allowed again. */
  killedRecheckMs?: number;
  /** While not paired (or the pairing is lost), look in the vault this often for a pairing made by `taxpoynt-bridge pair` (default 15 s). */
  pairingRecheckMs?: number;
  remoteConfig?: { pollMs: number; onChange?: (config: RemoteConfig) => void } | false;
  /** Every minute by default; the engine supplies devices, last hour and updater figures. */
  heartbeat?: { everyMs?: number; figures: () => HeartbeatFigures; onAccepted?: () => void } | false;
}

export interface ForwarderAlert {
  code: 'not_paired' | 'pairing_lost' | 'agent_disabled' | 'forwarding_disabled' | 'rejected' | 'idempotency_conflict' | 'clock_skew' | 'keychain';
  message: string;
  at: string;
}

export interface ForwarderStatus {
  running: boolean;
  paired: boolean;
  business: AgentInfo | null;
  /** The one word a status line shows. */
  state: 'stopped' | 'not_paired' | 'pairing_lost' | 'killed' | 'disabled' | 'breaker_open' | 'backing_off' | 'rate_limited' | 'sending' | 'idle';
  lastSyncAt: string | null;
  lastError: string | null;
  pace: {
    concurrency: number;
    inFlight: number;
    maxRps: number;
    rateLimit: number | null;
    rateRemaining: number | null;
    rateResetAt: string | null;
    retryAfterUntil: string | null;
  };
  breaker: BreakerState;
  backoffUntil: string | null;
  killed: boolean;
  forwardingEnabled: boolean;
  clockOffsetMs: number;
  counters: { requests: number; batchesOk: number; accepted: number; duplicate: number; rejected: number; rateLimited: number; failures: number; conflicts: number; splits: number };
  alerts: ForwarderAlert[];
}

interface Item {
  id: string;
  json: string;
}

interface Job {
  batchId: string;
  items: Item[];
  sentAt: string;
  body: Buffer;
  gzip: Buffer | null;
  authRetried: boolean;
  clockRetried: boolean;
  attempts: number;
}

export class ForwarderStopped extends Error {
  readonly code = 'forwarder_stopped';
  constructor(reason: string) {
    super(`Forwarding to TaxPoynt cannot proceed: ${reason}`);
    this.name = 'ForwarderStopped';
  }
}

/** The part of remote config that replaces local settings (kept across restarts in the limits file). */
type RemoteLimits = NonNullable<LearnedLimits['remote']>;

/** Requests with no answer that may stay out beside the concurrency limit (each costs one batch held in flight). */
const MAX_STALLED = 4;

/** Local settings remote config replaces while it is in force (`config show` and the log say so). */
export function remoteOverrides(
  local: { batch: BatchLimits; rate: { max_rps: number } },
  remote: { batch: BatchLimits; rate: { max_rps: number } },
): Array<{ key: string; local: number; remote: number }> {
  const out: Array<{ key: string; local: number; remote: number }> = [];
  for (const key of ['max_items', 'max_bytes', 'max_wait_ms'] as const) {
    if (local.batch[key] !== remote.batch[key]) out.push({ key: `batch.${key}`, local: local.batch[key], remote: remote.batch[key] });
  }
  if (local.rate.max_rps !== remote.rate.max_rps) out.push({ key: 'rate.max_rps', local: local.rate.max_rps, remote: remote.rate.max_rps });
  return out;
}

/** `pair` in another process is picked up this soon by a running engine (three keychain reads each time). */
const PAIRING_RECHECK_MS = 15_000;

/** Only a large gap is a clock problem; the Date header has one-second resolution. */
const SKEW_THRESHOLD_MS = 2000;

export class Forwarder {
  readonly client: CloudClient;
  private readonly session: CloudSession;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly queue: ForwardQueue;
  private readonly backoff: Backoff;
  private readonly breaker: CircuitBreaker;
  private readonly limiter: AdaptiveConcurrency;
  private readonly budget: RateBudget;
  private readonly configPoller: RemoteConfigPoller | null;
  private readonly heartbeat: HeartbeatSender | null;
  private readonly api = new ApiWindow();
  private limits: BatchLimits;
  /** Learned from 413s and remote config; kept across restarts by options.memory. */
  private learned: LearnedLimits;
  private readonly memory: LimitsMemory;

  private running = false;
  private paired = false;
  private pairingLost = false;
  private killed = false;
  private killedAt = 0;
  private forwardingEnabled = true;
  private backoffUntil = 0;
  private clockOffsetMs = 0;
  private lastSyncAt: string | null = null;
  private lastError: string | null = null;
  private alerts = new Map<string, ForwarderAlert>();
  private readonly counters = { requests: 0, batchesOk: 0, accepted: 0, duplicate: 0, rejected: 0, rateLimited: 0, failures: 0, conflicts: 0, splits: 0 };

  /** Jobs to send before claiming new rows: retries and halves of split batches, same batch id while the body is the same. */
  private ready: Job[] = [];
  /** Requests out, with when they went (a request far past the usual latency no longer holds a slot). */
  private inFlight = new Map<Promise<void>, number>();
  private claimMore = true;
  private flushing = false;
  private pendingSince: number | null = null;
  private nudged = 0;
  private timer: Timer | null = null;
  private timerAt = Infinity;
  private pumping = false;
  private loading: Promise<void> | null = null;
  private idleWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private lastPairingCheck = 0;
  /** The vault was read once: a pairing found later is a new one (onPaired), not the one the engine started with. */
  private pairingChecked = false;
  /** One per request in flight, aborted when the forwarder stops (their rows go back to pending); one signal per request, so no listener piles up. */
  private aborts = new Set<AbortController>();

  constructor(private readonly options: ForwarderOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = options.log.child({ component: 'cloud' });
    this.queue = options.queue;
    this.client = new CloudClient({ baseUrl: options.baseUrl, clock: this.clock, log: this.log, timeoutMs: options.timeoutMs, timeouts: options.timeouts });
    this.session = new CloudSession(this.client, options.vault, this.log, this.clock);
    // A config poll or heartbeat that finds the pairing refused says so as a batch would: at once, not at the next receipt.
    this.session.onLost = () => this.markLost();
    const random = options.random ?? Math.random;
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF, random);
    this.breaker = new CircuitBreaker(options.breaker ?? DEFAULT_BREAKER);
    this.limiter = new AdaptiveConcurrency({ ...DEFAULT_CONCURRENCY, ...options.concurrency });
    this.memory = options.memory ?? memoryOnly();
    this.learned = this.memory.load();
    // Until the first poll answers, the remote config last received stands (a restart must not start at 46 items when the cloud said 4).
    this.limits = { ...(this.learned.remote?.batch ?? options.batch) };
    this.budget = new RateBudget(this.learned.remote?.rate.max_rps ?? options.rate.max_rps);
    if (this.learned.remote) this.logOverrides(this.learned.remote, null, 'kept');
    this.configPoller =
      options.remoteConfig === false
        ? null
        : new RemoteConfigPoller({
            client: this.client,
            session: this.session,
            clock: this.clock,
            log: this.log,
            everyMs: options.remoteConfig?.pollMs ?? REMOTE_CONFIG_POLL_MS,
            apply: (config) => {
              this.applyRemoteConfig(config);
              if (options.remoteConfig) options.remoteConfig.onChange?.(config);
            },
          });
    this.heartbeat =
      options.heartbeat === false || options.heartbeat === undefined
        ? null
        : new HeartbeatSender({
            client: this.client,
            session: this.session,
            clock: this.clock,
            log: this.log,
            everyMs: options.heartbeat.everyMs ?? 60_000,
            agentVersion: options.agentVersion,
            queue: this.queue,
            api: this.api,
            figures: options.heartbeat.figures,
            onAccepted: options.heartbeat.onAccepted,
          });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.claimMore = true;
    this.reloadPairing().catch(() => undefined);
  }

  /** Reads the pairing from the vault again (after `taxpoynt-bridge pair` in another process). */
  reloadPairing(): Promise<void> {
    this.loading ??= (async () => {
      try {
        this.lastPairingCheck = this.clock.now();
        const agent = await this.session.load();
        const was = { paired: this.paired, lost: this.pairingLost, checked: this.pairingChecked };
        this.pairingChecked = true;
        this.paired = agent !== null;
        if (agent) {
          if (was.lost) this.log.info('paired again: receipts kept while the pairing was lost are sent now', { business: agent.business_name });
          if (was.checked && !was.paired) this.options.onPaired?.(agent, was.lost);
          this.pairingLost = false;
          this.lastError = null;
          this.alerts.delete('not_paired');
          this.alerts.delete('pairing_lost');
          this.alerts.delete('keychain');
          this.claimMore = true;
          this.configPoller?.start();
          this.heartbeat?.start();
        } else if (this.session.lost) {
          // The keychain remembers the cloud refused this pairing (this run or an earlier one): say so from the start.
          this.markLost();
        } else if (!this.pairingLost) {
          this.alert('not_paired', 'This bridge is not paired with a TaxPoynt account: run `taxpoynt-bridge pair`. Receipts are kept until then.');
        }
      } catch (err) {
        this.paired = false;
        this.alert('keychain', (err as Error).message);
      } finally {
        this.loading = null;
      }
      this.failIdleWaitersIfBlocked();
      this.pump();
    })();
    return this.loading;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer();
    this.configPoller?.stop();
    this.heartbeat?.stop();
    for (const controller of this.aborts) controller.abort();
    await Promise.allSettled([...this.inFlight.keys()]);
    this.releaseReady('the bridge stopped before this batch was sent');
    for (const waiter of this.idleWaiters.splice(0)) waiter.reject(new ForwarderStopped('the forwarder was stopped'));
    this.client.close();
  }

  /** New pending rows were written to the outbox. */
  nudge(count = 1): void {
    this.nudged += count;
    this.pendingSince ??= this.clock.now();
    this.pump();
  }

  /** Sends everything pending now (no age wait); resolves when nothing is pending or in flight. */
  syncNow(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.idleWaiters.push({ resolve, reject });
      this.flushing = true;
      this.claimMore = true;
      if (this.running && !this.paired && !this.loading) {
        this.reloadPairing().catch(() => undefined);
        return;
      }
      this.failIdleWaitersIfBlocked();
      this.pump();
    });
  }

  /** Polls remote config now (the engine may call it on start or from a support command). */
  pollConfigNow(): Promise<void> {
    return this.configPoller?.pollNow() ?? Promise.resolve();
  }

  sendHeartbeatNow(): Promise<void> {
    return this.heartbeat?.sendNow() ?? Promise.resolve();
  }

  status(): ForwarderStatus {
    const now = this.clock.now();
    const rate = this.budget.view(now);
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    const breaker = this.breaker.state(now);
    let state: ForwarderStatus['state'];
    if (!this.running) state = 'stopped';
    else if (this.pairingLost) state = 'pairing_lost';
    else if (!this.paired) state = 'not_paired';
    else if (this.killed) state = 'killed';
    else if (!this.forwardingEnabled) state = 'disabled';
    else if (breaker === 'open') state = 'breaker_open';
    else if (this.backoffUntil > now) state = 'backing_off';
    else if (rate.blockedUntil !== null) state = 'rate_limited';
    else if (this.inFlight.size > 0 || this.ready.length > 0) state = 'sending';
    else state = 'idle';
    return {
      running: this.running,
      paired: this.paired,
      business: this.session.agent,
      state,
      lastSyncAt: this.lastSyncAt,
      lastError: this.lastError,
      pace: {
        concurrency: this.limiter.limit,
        inFlight: this.inFlight.size,
        maxRps: rate.maxRps,
        rateLimit: rate.limit,
        rateRemaining: rate.remaining,
        rateResetAt: iso(rate.resetAt),
        retryAfterUntil: iso(rate.blockedUntil),
      },
      breaker,
      backoffUntil: this.backoffUntil > now ? iso(this.backoffUntil) : null,
      killed: this.killed,
      forwardingEnabled: this.forwardingEnabled,
      clockOffsetMs: this.clockOffsetMs,
      counters: { ...this.counters },
      alerts: [...this.alerts.values()],
    };
  }

  /** Batch limits in force (local config, overridden by remote config, capped by what a 413 taught). */
  currentLimits(): BatchLimits {
    return { ...this.limits, max_items: Math.min(this.limits.max_items, this.learned.items_cap ?? MAX_BATCH_ITEMS, MAX_BATCH_ITEMS) };
  }

  /** Requests in flight that still hold a concurrency slot (not stalled). */
  private activeInFlight(now: number): number {
    const stall = this.stallAfterMs();
    let n = 0;
    for (const at of this.inFlight.values()) if (now - at < stall) n++;
    return n;
  }

  private stallAfterMs(): number {
    return Math.max(this.options.stallMs ?? 2000, 4 * (this.limiter.typicalLatencyMs ?? 0));
  }

  /** When the next in-flight request will count as stalled (pump then looks again), or Infinity. */
  private nextStallAt(now: number): number {
    const stall = this.stallAfterMs();
    let at = Infinity;
    for (const started of this.inFlight.values()) if (started + stall > now) at = Math.min(at, started + stall);
    return at;
  }

  // ── scheduling ───────────────────────────────────────────────────────────────────────────────

  /** Why nothing may be sent now: ms to wait (Infinity: until something changes), or 0. */
  private blockedFor(now: number): number {
    if (!this.running || !this.paired || this.pairingLost || !this.forwardingEnabled) return Infinity;
    if (this.killed) {
      const recheck = this.options.killedRecheckMs ?? 10 * 60_000;
      if (now - this.killedAt < recheck) return this.killedAt + recheck - now;
      if (this.inFlight.size > 0) return Infinity;
    }
    // Stalled requests free their slot, but a dead link must not pile up requests without end.
    if (this.inFlight.size >= this.limiter.limit + MAX_STALLED) return Infinity;
    if (this.activeInFlight(now) >= this.limiter.limit) return Math.max(1, this.nextStallAt(now) - now);
    return Math.max(0, this.breaker.waitMs(now), this.backoffUntil - now, this.budget.waitMs(now));
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      if (this.running && !this.paired && !this.loading) {
        // Not paired, or the pairing was lost: look for a new pairing (`taxpoynt-bridge pair` in another process) now and then.
        const recheck = this.options.pairingRecheckMs ?? PAIRING_RECHECK_MS;
        if (this.clock.now() - this.lastPairingCheck >= recheck) void this.reloadPairing();
        else this.schedule(this.lastPairingCheck + recheck - this.clock.now());
        return;
      }
      for (;;) {
        const now = this.clock.now();
        const wait = this.blockedFor(now);
        if (wait > 0) {
          if (wait !== Infinity) this.schedule(wait);
          break;
        }
        const next = this.nextJob(now);
        if ('waitMs' in next) {
          if (next.waitMs !== Infinity) this.schedule(next.waitMs);
          else if (this.running) this.schedule(this.options.idlePollMs ?? 5000, true);
          this.resolveIdleWaiters();
          break;
        }
        this.launch(next.job, now);
      }
    } finally {
      this.pumping = false;
    }
  }

  private nextJob(now: number): { job: Job } | { waitMs: number } {
    const ready = this.ready.shift();
    if (ready) return { job: ready };
    const limits = this.currentLimits();
    if (!this.claimMore && !this.flushing) {
      // Nagle: with nothing in flight (and the pace allowing, or pump would not ask) a receipt goes at once;
      // while a batch is out, the next fills until it answers, max_items, or max_wait_ms.
      const idle = this.activeInFlight(now) === 0;
      const decision = batchDecision(now, this.nudged, this.pendingSince, idle ? { ...limits, max_wait_ms: 0 } : limits);
      if (!decision.send) return { waitMs: decision.waitMs };
    }
    let rows: Item[];
    try {
      rows = this.queue.claim(limits.max_items, limits.max_bytes);
    } catch (err) {
      this.lastError = `the outbox could not be read: ${(err as Error).message}`;
      this.log.error('outbox claim failed', { error: err });
      return { waitMs: 5000 };
    }
    this.claimMore = rows.length >= limits.max_items;
    this.nudged = 0;
    this.pendingSince = null;
    if (rows.length === 0) {
      this.flushing = false;
      return { waitMs: Infinity };
    }
    return { job: this.makeJob(rows) };
  }

  private schedule(ms: number, idle = false): void {
    const at = this.clock.now() + Math.max(0, ms);
    if (this.timer && this.timerAt <= at) return;
    this.cancelTimer();
    this.timerAt = at;
    this.timer = this.clock.setTimer(() => {
      this.timer = null;
      this.timerAt = Infinity;
      if (idle) this.claimMore = true;
      this.pump();
    }, Math.max(1, ms));
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = Infinity;
  }

  private resolveIdleWaiters(): void {
    if (this.inFlight.size > 0 || this.ready.length > 0 || this.claimMore || this.flushing) return;
    for (const waiter of this.idleWaiters.splice(0)) waiter.resolve();
  }

  private failIdleWaitersIfBlocked(): void {
    let reason: string | null = null;
    if (this.pairingLost) reason = pairingLostMessage(this.session.lost?.agent?.business_name ?? null);
    else if (!this.paired && !this.loading) reason = new NotPaired().message;
    else if (this.killed) reason = 'the TaxPoynt cloud has disabled this bridge (kill switch); receipts are kept.';
    else if (!this.forwardingEnabled) reason = 'forwarding is turned off by remote config; receipts are kept.';
    if (reason === null) return;
    for (const waiter of this.idleWaiters.splice(0)) waiter.reject(new ForwarderStopped(reason));
  }

  // ── one batch ────────────────────────────────────────────────────────────────────────────────

  private makeJob(items: Item[]): Job {
    const batchId = 'b_' + randomBytes(12).toString('hex');
    const sentAt = new Date(this.clock.now()).toISOString();
    return this.withBody({ batchId, items, sentAt, body: Buffer.alloc(0), gzip: null, authRetried: false, clockRetried: false, attempts: 0 });
  }

  /** The body is built once per batch id, so a retry sends the same bytes under the same Idempotency-Key. */
  private withBody(job: Job): Job {
    const agent = this.session.agent!;
    const head = JSON.stringify({ batch_id: job.batchId, sent_at: job.sentAt, agent: { agent_id: agent.agent_id, version: this.options.agentVersion } });
    job.body = Buffer.from(head.slice(0, -1) + ',"transactions":[' + job.items.map((i) => i.json).join(',') + ']}', 'utf8');
    job.gzip = job.body.length >= (this.options.gzipMinBytes ?? 1024) ? gzipSync(job.body) : null;
    return job;
  }

  private launch(job: Job, now: number): void {
    const atLimit = this.activeInFlight(now) + 1 >= this.limiter.limit;
    this.budget.onSend(now);
    this.breaker.onRequest(now);
    this.counters.requests++;
    const work = this.send(job, atLimit)
      .catch((err) => {
        this.log.error('unexpected error while forwarding a batch', { error: err, batch_id: job.batchId });
        this.requeue(job);
      })
      .finally(() => {
        this.inFlight.delete(work);
        this.pump();
      });
    this.inFlight.set(work, now);
  }

  private async send(job: Job, atLimit: boolean): Promise<void> {
    let token: string;
    try {
      token = await this.session.accessToken();
    } catch (err) {
      this.budget.onNoAnswer();
      if (err instanceof PairingLost || err instanceof NotPaired) return this.lose(job, err);
      return this.transient(job, err instanceof Error ? err.message : String(err), 0);
    }
    let answer: Answer;
    const controller = new AbortController();
    this.aborts.add(controller);
    try {
      answer = await this.client.sendBatch({
        accessToken: token,
        agentId: this.session.agent!.agent_id,
        signingSecret: this.session.signingSecret(),
        batchId: job.batchId,
        json: job.body,
        gzip: job.gzip,
        timestampS: Math.floor((this.clock.now() + this.clockOffsetMs) / 1000),
      }, controller.signal);
    } catch (err) {
      this.budget.onNoAnswer();
      if (!this.running) {
        this.queue.release(job.items.map((i) => i.id), 'the bridge stopped while this batch was being sent');
        return;
      }
      if (err instanceof CloudUnreachable) {
        this.api.record(err.latencyMs, false);
        this.limiter.onOverload(this.clock.now(), err.latencyMs);
        return this.transient(job, err.message, err.latencyMs);
      }
      throw err;
    } finally {
      this.aborts.delete(controller);
    }
    this.api.record(answer.latencyMs, answer.status < 500 && answer.status !== 429);
    this.budget.onAnswer(readRateLimit(answer.headers, answer.at), answer.at);
    this.observeDate(answer, false);
    this.handle(job, answer, token, atLimit);
  }

  private handle(job: Job, answer: Answer, token: string, atLimit: boolean): void {
    const now = answer.at;
    const status = answer.status;
    if (status === 200) {
      const parsed = BatchResponse.safeParse(answer.body);
      if (!parsed.success) return this.transient(job, 'the cloud answered 200 with a body that does not match the contract', answer.latencyMs);
      this.healthy(answer, atLimit);
      if (job.items.length > this.learned.largest_accepted) this.learn({ largest_accepted: job.items.length });
      this.settle(job, parsed.data.results);
      return;
    }
    const error = readError(answer.body);
    if (status === 400) {
      this.healthy(answer, false);
      if (job.items.length === 1) {
        const errors: Problem[] = error.errors.length ? error.errors : [{ field: '', code: error.code ?? 'malformed', message: error.detail }];
        this.log.warn('the cloud refused a transaction as malformed; it is kept as rejected', { id: job.items[0]!.id, code: error.code });
        return this.settle(job, [{ id: job.items[0]!.id, status: 'rejected', errors }]);
      }
      this.log.warn('the cloud refused a batch as malformed; splitting it to find the bad transaction', { batch_id: job.batchId, items: job.items.length, code: error.code });
      return this.split(job);
    }
    if (status === 401) {
      const clockProblem = error.code === ERROR_CODES.badSignature || error.code === ERROR_CODES.timestampSkew;
      if (clockProblem && !job.clockRetried) {
        job.clockRetried = true;
        this.observeDate(answer, true);
        this.log.warn('the cloud refused the request signature; clock offset corrected from its Date header', { code: error.code, clock_offset_ms: this.clockOffsetMs });
        return this.requeue(job);
      }
      if (!clockProblem && !job.authRetried) {
        job.authRetried = true;
        this.session.invalidateAccessToken(token);
        this.log.info('access token refused; refreshing once', { code: error.code });
        return this.requeue(job);
      }
      if (clockProblem) this.alert('clock_skew', 'The TaxPoynt cloud keeps refusing the request signature: check the computer clock (it must be right to the minute).');
      return this.transient(job, `the cloud refused the credentials (${error.code ?? 401})`, answer.latencyMs);
    }
    if (status === 403) {
      this.killed = true;
      this.killedAt = now;
      this.lastError = `the TaxPoynt cloud disabled this bridge (${error.code ?? 'forbidden'})`;
      this.alert('agent_disabled', 'The TaxPoynt cloud has disabled forwarding from this bridge (kill switch). Receipts are still captured and kept; contact TaxPoynt support.');
      this.log.error('kill switch: the cloud answered 403; forwarding stopped, capturing continues', { code: error.code });
      this.queue.release(job.items.map((i) => i.id), this.lastError);
      this.releaseReady(this.lastError);
      this.failIdleWaitersIfBlocked();
      return;
    }
    if (this.killed) {
      this.killed = false;
      this.alerts.delete('agent_disabled');
    }
    if (status === 409) {
      this.counters.conflicts++;
      const old = job.batchId;
      job.batchId = 'b_' + randomBytes(12).toString('hex');
      this.withBody(job);
      this.alert('idempotency_conflict', `The cloud saw batch id ${old} with a different body: a bug in the bridge, reported in the log. The batch was resent as ${job.batchId}.`);
      this.log.error('IDEMPOTENCY CONFLICT (409): batch id reused with a different body. This is a bug; resending under a new batch id', {
        old_batch_id: old,
        new_batch_id: job.batchId,
        items: job.items.length,
      });
      return this.requeue(job);
    }
    if (status === 413) {
      this.healthy(answer, false);
      if (job.items.length === 1) {
        return this.settle(job, [{ id: job.items[0]!.id, status: 'rejected', errors: [{ field: '', code: 'too_large', message: 'the cloud refused this transaction as too large' }] }]);
      }
      // Never build this size again: halve, but not below what the cloud has already taken.
      const cap = Math.min(job.items.length - 1, Math.max(this.learned.largest_accepted, Math.floor(job.items.length / 2)));
      this.learn({ items_cap: Math.max(1, Math.min(cap, this.learned.items_cap ?? Infinity)) });
      this.log.warn('the cloud refused a batch as too large; splitting it in halves', { batch_id: job.batchId, items: job.items.length, items_cap: this.learned.items_cap });
      return this.split(job);
    }
    if (status === 429) {
      this.counters.rateLimited++;
      this.limiter.onOverload(now, answer.latencyMs);
      this.breaker.onSuccess();
      const view = this.budget.view(now);
      // No Retry-After and no budget headers: back off as for any transient answer.
      if (view.blockedUntil === null && !(view.remaining === 0 && view.resetAt !== null)) this.backoffUntil = now + this.backoff.next();
      this.lastError = 'rate limited by the cloud';
      this.log.info('rate limited (429); waiting as the cloud asked', { batch_id: job.batchId, retry_after_until: view.blockedUntil });
      return this.requeue(job);
    }
    this.limiter.onOverload(now, answer.latencyMs);
    return this.transient(job, `the cloud answered ${status}${error.code ? ` (${error.code})` : ''}`, answer.latencyMs);
  }

  private healthy(answer: Answer, atLimit: boolean): void {
    this.limiter.onSuccess(answer.latencyMs, answer.at, atLimit);
    this.breaker.onSuccess();
    this.backoff.reset();
    this.backoffUntil = 0;
    if (this.killed) {
      this.killed = false;
      this.alerts.delete('agent_disabled');
      this.log.info('the kill switch is off again: forwarding resumes');
    }
  }

  private settle(job: Job, results: BatchResult[]): void {
    const mine = new Set(job.items.map((i) => i.id));
    const applied = results.filter((r) => mine.has(r.id));
    const missing = job.items.filter((i) => !applied.some((r) => r.id === i.id)).map((i) => i.id);
    this.queue.settle(applied.map((r) => ({ id: r.id, status: r.status, irn: r.irn, errors: r.errors })));
    if (missing.length) this.queue.release(missing, 'the cloud gave no result for this transaction');
    this.counters.batchesOk++;
    for (const r of applied) {
      if (r.status === 'accepted') this.counters.accepted++;
      else if (r.status === 'duplicate') this.counters.duplicate++;
      else this.counters.rejected++;
    }
    const rejected = applied.filter((r) => r.status === 'rejected');
    if (rejected.length) {
      this.alert('rejected', `${this.counters.rejected} transaction(s) were rejected by TaxPoynt; see \`taxpoynt-bridge queue\` for the reasons.`);
      this.log.warn('transactions rejected by the cloud', { batch_id: job.batchId, rejected: rejected.map((r) => ({ id: r.id, errors: r.errors })) });
    }
    this.lastSyncAt = new Date(this.clock.now()).toISOString();
    this.lastError = null;
    this.log.debug('batch settled', { batch_id: job.batchId, items: job.items.length, rejected: rejected.length });
  }

  private split(job: Job): void {
    this.counters.splits++;
    const half = Math.ceil(job.items.length / 2);
    const first = this.makeJob(job.items.slice(0, half));
    const second = this.makeJob(job.items.slice(half));
    this.ready.unshift(first, second);
  }

  private transient(job: Job, reason: string, latencyMs: number): void {
    const now = this.clock.now();
    this.counters.failures++;
    this.breaker.onFailure(now);
    const wait = this.backoff.next();
    this.backoffUntil = Math.max(this.backoffUntil, now + wait);
    this.lastError = reason;
    job.attempts++;
    this.log.warn('batch not delivered; retrying the same batch later', { batch_id: job.batchId, reason, attempt: job.attempts, wait_ms: wait, latency_ms: latencyMs, breaker: this.breaker.state(now) });
    this.requeue(job);
  }

  private requeue(job: Job): void {
    if (!this.running || this.killed) {
      this.queue.release(job.items.map((i) => i.id), this.lastError ?? 'not sent');
      return;
    }
    this.ready.unshift(job);
  }

  private lose(job: Job, err: Error): void {
    this.queue.release(job.items.map((i) => i.id), err.message);
    this.releaseReady(err.message);
    this.lastPairingCheck = this.clock.now();
    if (err instanceof PairingLost) this.markLost();
    else {
      this.paired = false;
      this.alert('not_paired', err.message);
    }
    this.lastError = err.message;
    this.failIdleWaitersIfBlocked();
  }

  /** The cloud refused the pairing: stop asking it anything, keep the rows, and look for a new pairing in the vault now and then. */
  private markLost(): void {
    const message = pairingLostMessage(this.session.lost?.agent?.business_name ?? null);
    this.pairingLost = true;
    this.paired = false;
    this.lastError = message;
    this.alerts.delete('not_paired');
    this.alert('pairing_lost', message);
    this.configPoller?.stop();
    this.heartbeat?.stop();
    this.releaseReady(message);
    this.failIdleWaitersIfBlocked();
  }

  private releaseReady(reason: string): void {
    const jobs = this.ready.splice(0);
    const ids = jobs.flatMap((j) => j.items.map((i) => i.id));
    if (ids.length) this.queue.release(ids, reason);
  }

  /** X-TaxPoynt-Timestamp follows the server's clock (its Date header) when ours is off by more than a second or two. */
  private observeDate(answer: Answer, force: boolean): void {
    const date = serverDate(answer.headers);
    if (date === null) return;
    // Date is truncated to the second: its middle is the best guess.
    const offset = date + 500 - answer.at;
    if (force || Math.abs(offset) > SKEW_THRESHOLD_MS || Math.abs(offset - this.clockOffsetMs) > SKEW_THRESHOLD_MS) {
      this.clockOffsetMs = Math.abs(offset) > SKEW_THRESHOLD_MS || force ? Math.round(offset) : 0;
    }
  }

  private learn(change: Partial<LearnedLimits>): void {
    this.learned = { ...this.learned, ...change };
    this.memory.save(this.learned);
  }

  private applyRemoteConfig(config: RemoteConfig): void {
    this.logOverrides(config, this.learned.remote, 'poll');
    this.limits = { ...config.batch };
    this.budget.setMaxRps(config.rate.max_rps);
    this.learn({ remote: { version: config.version, batch: { ...config.batch }, rate: { ...config.rate } } });
    const enabled = config.flags.forwarding_enabled;
    if (enabled !== this.forwardingEnabled) {
      this.forwardingEnabled = enabled;
      if (enabled) this.alerts.delete('forwarding_disabled');
      else this.alert('forwarding_disabled', 'Forwarding is turned off by TaxPoynt (remote config). Receipts are still captured and kept.');
      this.log.info(enabled ? 'remote config: forwarding on' : 'remote config: forwarding off', { version: config.version });
    }
    if (!enabled) {
      this.releaseReady('forwarding turned off by remote config');
      this.failIdleWaitersIfBlocked();
    }
    this.claimMore = true;
    this.pump();
  }

  /**
   * Says which local batch and rate settings remote config replaces: once at start for the config kept from the last run,
   * then once per change (a new version that leaves an override as it was says nothing; one that ends it says so).
   */
  private logOverrides(next: RemoteLimits, previous: RemoteLimits | null, source: 'poll' | 'kept'): void {
    const local = { batch: this.options.batch, rate: this.options.rate };
    const before = new Map((previous ? remoteOverrides(local, previous) : []).map((o) => [o.key, o.remote]));
    const now = remoteOverrides(local, next);
    for (const o of now) {
      if (before.get(o.key) === o.remote) continue;
      this.log.info('remote config overrides a local setting', {
        setting: o.key,
        local: o.local,
        remote: o.remote,
        version: next.version,
        ...(source === 'kept' ? { source: 'the last remote config, kept across the restart' } : {}),
      });
    }
    for (const key of before.keys()) {
      if (!now.some((o) => o.key === key)) this.log.info('remote config no longer overrides a local setting', { setting: key, version: next.version });
    }
  }

  private alert(code: ForwarderAlert['code'], message: string): void {
    const known = this.alerts.get(code);
    const alert = { code, message, at: new Date(this.clock.now()).toISOString() };
    this.alerts.set(code, alert);
    if (!known || known.message !== message) this.options.onAlert?.(alert);
  }

}
