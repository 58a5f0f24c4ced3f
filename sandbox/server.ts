// The TaxPoynt cloud on 127.0.0.1 (cloud-api.md, every endpoint) with fault injection, persistence and inspection for tests.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createUpdateFeed } from './updates.js';
import type { AddressInfo, Socket } from 'node:net';
import { dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { systemClock, type Clock } from '../main/cloud/clock.js';
import {
  arithmeticIssues,
  BatchBody,
  CLIENT_ID,
  DEVICE_CODE_GRANT,
  ERROR_CODES,
  HEADERS,
  Heartbeat,
  MAX_BATCH_BYTES,
  MAX_BATCH_ITEMS,
  PATHS,
  RemoteConfig,
  TokenRequest,
  verifySignature,
  type AgentInfo,
  type BatchResponse,
  type BatchResult,
  type DeviceAuthorizeResponse,
  type TokenResponse,
} from '../main/cloud/contract.js';
import { mulberry32 } from './seeded-random.js';

export interface SandboxFaults {
  /** Fixed-window rate limit on the batch endpoint: `limit` requests per `windowS` seconds (of the sandbox clock). */
  rateLimit?: { limit: number; windowS: number } | null;
  /** Retry-After on 429 as delta-seconds (default) or an HTTP-date. */
  retryAfterForm?: 'seconds' | 'date';
  /** The next `count` batch requests answer `status` (default 503). */
  fail5xx?: { count: number; status?: number } | null;
  /** Each batch request answers 503 with this probability (seeded). */
  fail5xxRate?: number;
  /** The next N batch requests are committed, then the connection is cut mid-response. */
  resetAfterCommit?: number;
  /** Each batch request is committed then cut with this probability (seeded). */
  resetRate?: number;
  /** Every batch answer waits this long (sandbox ms). */
  delayMs?: number;
  /** Each batch request is held open with this probability (seeded), never answered nor processed: a dead connection. */
  holdRate?: number;
  /** The next `count` batch answers wait `ms` first (a client timeout test). */
  slowNext?: { count: number; ms: number } | null;
  /** Access tokens issued from now on live this long. */
  tokenTtlS?: number;
  /** The next N batch requests answer 401 token_expired (and the token dies). */
  expireTokensNext?: number;
  /** The sandbox clock (Date header, signature timestamp check) is this far ahead of the real one. */
  clockSkewS?: number;
  /** Batches with more transactions than this answer 413. */
  maxBatchItems?: number;
  /** Transactions with these ids or receipt numbers are rejected per item. */
  rejectIds?: string[];
  /** Each transaction is rejected per item with this probability (seeded, decided once per id). */
  rejectRate?: number;
  /** A transaction whose receipt_number starts with this makes its whole batch 400. */
  malformedMarker?: string;
  /** Kill switch: batch requests answer 403 agent_disabled. */
  agentDisabled?: boolean;
  /** Errors in the platform's legacy envelope and X-RateLimit-* headers. */
  legacyErrors?: boolean;
  /** The next N batch requests answer 409. */
  conflictNext?: number;
  /** The next N device-code polls answer slow_down. */
  slowDownNext?: number;
}

export interface SandboxOptions {
  port?: number;
  /** JSON file the state is kept in (loaded at start when it exists). */
  statePath?: string;
  faults?: SandboxFaults;
  clock?: Clock;
  seed?: number;
  /** Device-flow polling interval handed to clients (seconds). */
  pollIntervalS?: number;
  deviceCodeTtlS?: number;
  /** Approve every device code at once (the demo). */
  autoApprove?: boolean;
  business?: Omit<AgentInfo, 'agent_id'>;
  remoteConfig?: RemoteConfig;
  /** Serve update feeds from this folder at /updates/<channel>/ (see sandbox/updates.ts publishRelease). */
  updatesRoot?: string;
}

interface TxRecord {
  irn: string | null;
  /** Times the transaction arrived in a processed batch (replays of a stored answer not counted). */
  arrivals: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  first_batch_id: string | null;
}

interface BatchRecord {
  arrivals: number;
  body_sha256: string;
  response: BatchResponse | null;
  items: number;
}

export interface SandboxState {
  transactions: Record<string, TxRecord>;
  batches: Record<string, BatchRecord>;
  counters: {
    requests: number;
    batch_requests: number;
    by_status: Record<string, number>;
    rate_limited: number;
    resets: number;
    /** Batch requests held open without an answer (holdRate). */
    held?: number;
    replays: number;
    heartbeats: number;
    config_polls: number;
    /** Batch requests that came gzip-compressed. */
    gzip_batches: number;
    /** Batch requests allowed past the rate limit, per window start (ms). */
    rate_windows: Record<string, number>;
    /** Transactions accepted, and 429 answers, per rate window (the bench reads goodput from them). */
    accepted_windows: Record<string, number>;
    limited_windows: Record<string, number>;
  };
  agents: Record<string, AgentInfo & { signing_secret: string }>;
  refresh_tokens: Record<string, { agent_id: string; alive: boolean }>;
  heartbeats: Heartbeat[];
  remote_config: RemoteConfig;
}

interface DeviceCode {
  device_code: string;
  user_code: string;
  expires_at: number;
  state: 'pending' | 'approved' | 'denied' | 'used';
  last_poll: number;
}

export interface Sandbox {
  url: string;
  state: SandboxState;
  faults: SandboxFaults;
  approve(userCode: string): boolean;
  /** Revokes an agent as the dashboard does (every agent when none is named): its tokens die, `invalid_grant` on refresh. Returns those revoked. */
  revokeAgent(agentId?: string): string[];
  setRemoteConfig(config: RemoteConfig): void;
  /** Transactions accepted more than once (must be empty: exactly-once). */
  duplicatesAccepted(): string[];
  save(): void;
  close(): Promise<void>;
}

export const DEFAULT_REMOTE_CONFIG: RemoteConfig = {
  version: 1,
  flags: { capture_enabled: true, forwarding_enabled: true, integrations: { escpos_serial: true, escpos_tcp: true, ecr_serial: true, hid: true } },
  batch: { max_items: 100, max_bytes: 1024 * 1024, max_wait_ms: 2000 },
  rate: { max_rps: 10 },
  log_level: 'info',
  retention_days: 90,
  update: { channel: 'stable', install_window: '02:00-05:00' },
};

const DEFAULT_BUSINESS = { business_id: 'biz_sandbox', business_name: 'Mama Put Kitchen Ltd', tin: '12345678-0001', location_name: 'Ikeja' };

function emptyState(remote: RemoteConfig): SandboxState {
  return {
    transactions: {},
    batches: {},
    counters: { requests: 0, batch_requests: 0, by_status: {}, rate_limited: 0, resets: 0, replays: 0, heartbeats: 0, config_polls: 0, gzip_batches: 0, rate_windows: {}, accepted_windows: {}, limited_windows: {} },
    agents: {},
    refresh_tokens: {},
    heartbeats: [],
    remote_config: remote,
  };
}

const USER_CODE_LETTERS = 'BCDFGHJKLMNPQRSTVWXZ';

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = options.clock ?? systemClock;
  const random = mulberry32(options.seed ?? 1);
  const faults: SandboxFaults = { malformedMarker: 'MALFORMED', ...options.faults };
  const remote = options.remoteConfig ?? DEFAULT_REMOTE_CONFIG;
  let state: SandboxState = emptyState(remote);
  if (options.statePath && existsSync(options.statePath)) {
    state = { ...emptyState(remote), ...(JSON.parse(readFileSync(options.statePath, 'utf8')) as SandboxState) };
  }
  const devices = new Map<string, DeviceCode>();
  const accessTokens = new Map<string, { agent_id: string; expires_at: number }>();
  const rejectDecided = new Map<string, boolean>();
  const startedAt = clock.now();
  const sockets = new Set<Socket>();
  const delayed = new Set<{ cancel(): void }>();
  let url = '';
  let saveTimer: NodeJS.Timeout | null = null;

  const now = () => clock.now() + (faults.clockSkewS ?? 0) * 1000;

  function save(): void {
    if (!options.statePath) return;
    mkdirSync(dirname(options.statePath), { recursive: true });
    const tmp = `${options.statePath}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, options.statePath);
  }
  function changed(): void {
    if (!options.statePath || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = null;
      save();
    }, 50);
  }

  function problem(status: number, code: string, detail: string, errors: Array<{ field: string; code: string; message: string }> = []): HttpAnswer {
    if (faults.legacyErrors) return new HttpAnswer(status, { success: false, error: detail, error_code: code, details: errors });
    return new HttpAnswer(status, { type: `https://docs.taxpoynt.com/problems/${code}`, title: detail, status, detail, code, errors }, { 'content-type': 'application/problem+json' });
  }
  const oauthError = (error: string, status = 400) => new HttpAnswer(status, { error });

  function issueTokens(agentId: string): TokenResponse {
    const agent = state.agents[agentId]!;
    const access = 'at_' + randomBytes(24).toString('hex');
    const refresh = 'rt_' + randomBytes(24).toString('hex');
    const ttl = faults.tokenTtlS ?? 3600;
    accessTokens.set(access, { agent_id: agentId, expires_at: clock.now() + ttl * 1000 });
    state.refresh_tokens[refresh] = { agent_id: agentId, alive: true };
    changed();
    const { signing_secret, ...info } = agent;
    return { access_token: access, token_type: 'Bearer', expires_in: ttl, refresh_token: refresh, scope: 'pos:ingest agent:config', signing_secret, agent: info };
  }

  /** Kills every access and refresh token of an agent; false when the sandbox does not know it. */
  function revokeAgent(agentId: string): boolean {
    if (!state.agents[agentId]) return false;
    for (const [t, r] of accessTokens) if (r.agent_id === agentId) accessTokens.delete(t);
    for (const r of Object.values(state.refresh_tokens)) if (r.agent_id === agentId) r.alive = false;
    changed();
    return true;
  }

  function approve(userCode: string, deny = false): boolean {
    const normal = userCode.toUpperCase().replace(/[^A-Z]/g, '');
    for (const device of devices.values()) {
      if (device.user_code.replace('-', '') === normal && device.state === 'pending' && device.expires_at > clock.now()) {
        device.state = deny ? 'denied' : 'approved';
        return true;
      }
    }
    return false;
  }

  function authenticate(req: IncomingMessage): { agent_id: string; token: string } | HttpAnswer {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    const record = token ? accessTokens.get(token) : undefined;
    if (!token || !record) return problem(401, ERROR_CODES.invalidToken, 'The access token is not valid; refresh it.');
    if (record.expires_at <= clock.now()) return problem(401, ERROR_CODES.tokenExpired, 'The access token has expired; refresh it.');
    return { agent_id: record.agent_id, token };
  }

  /** Fixed windows of the sandbox clock, counted from start. */
  function rateWindow(): { start: number; end: number; used: number; limit: number; windowS: number } | null {
    const rl = faults.rateLimit;
    if (!rl) return null;
    const w = rl.windowS * 1000;
    const start = startedAt + Math.floor((clock.now() - startedAt) / w) * w;
    return { start, end: start + w, used: state.counters.rate_windows[String(start)] ?? 0, limit: rl.limit, windowS: rl.windowS };
  }

  function rateHeaders(win: NonNullable<ReturnType<typeof rateWindow>>): Record<string, string> {
    const remaining = Math.max(0, win.limit - win.used);
    const resetS = Math.max(1, Math.ceil((win.end - clock.now()) / 1000));
    const headers: Record<string, string> = {
      'ratelimit-policy': `${win.limit};w=${win.windowS}`,
      ratelimit: `limit=${win.limit}, remaining=${remaining}, reset=${resetS}`,
    };
    if (faults.legacyErrors) {
      delete headers['ratelimit-policy'];
      delete headers.ratelimit;
      headers['x-ratelimit-limit'] = String(win.limit);
      headers['x-ratelimit-remaining'] = String(remaining);
      headers['x-ratelimit-reset'] = String(Math.ceil((now() + (win.end - clock.now())) / 1000));
    }
    return headers;
  }

  function rejectionFor(tx: { id: string; receipt_number: string }): boolean {
    if (faults.rejectIds?.includes(tx.id) || faults.rejectIds?.includes(tx.receipt_number)) return true;
    if (!faults.rejectRate) return false;
    if (!rejectDecided.has(tx.id)) rejectDecided.set(tx.id, random() < faults.rejectRate);
    return rejectDecided.get(tx.id)!;
  }

  /** Returns the answer and whether to cut the connection after committing. */
  function batch(req: IncomingMessage, raw: Buffer): { answer: HttpAnswer; cut: boolean } {
    state.counters.batch_requests++;
    const auth = authenticate(req);
    if (auth instanceof HttpAnswer) return { answer: auth, cut: false };
    if (faults.expireTokensNext && faults.expireTokensNext > 0) {
      faults.expireTokensNext--;
      accessTokens.delete(auth.token);
      return { answer: problem(401, ERROR_CODES.tokenExpired, 'The access token has expired; refresh it.'), cut: false };
    }
    if (faults.agentDisabled) return { answer: problem(403, ERROR_CODES.agentDisabled, 'This agent is disabled by TaxPoynt.'), cut: false };
    const win = rateWindow();
    const extra: Record<string, string> = {};
    if (win) {
      if (win.used >= win.limit) {
        state.counters.rate_limited++;
        state.counters.limited_windows[String(win.start)] = (state.counters.limited_windows[String(win.start)] ?? 0) + 1;
        const waitS = Math.max(1, Math.ceil((win.end - clock.now()) / 1000));
        const retryAfter = faults.retryAfterForm === 'date' ? new Date(now() + waitS * 1000).toUTCString() : String(waitS);
        const a = problem(429, 'rate_limited', `Too many requests: ${win.limit} per ${win.windowS} s.`);
        return { answer: new HttpAnswer(429, a.body, { ...a.headers, ...rateHeaders(win), 'retry-after': retryAfter }), cut: false };
      }
      state.counters.rate_windows[String(win.start)] = win.used + 1;
      Object.assign(extra, rateHeaders({ ...win, used: win.used + 1 }));
    }
    const withExtra = (a: HttpAnswer) => new HttpAnswer(a.status, a.body, { ...a.headers, ...extra });
    if (faults.fail5xx && faults.fail5xx.count > 0) {
      faults.fail5xx.count--;
      return { answer: withExtra(problem(faults.fail5xx.status ?? 503, 'unavailable', 'The service is briefly unavailable.')), cut: false };
    }
    if (faults.fail5xxRate && random() < faults.fail5xxRate) {
      return { answer: withExtra(problem(503, 'unavailable', 'The service is briefly unavailable.')), cut: false };
    }
    // §2 signature over the body as sent, and the timestamp against our clock.
    const agent = state.agents[auth.agent_id];
    const ts = Number(req.headers[HEADERS.timestamp]);
    const sig = String(req.headers[HEADERS.signature] ?? '');
    if (!agent || req.headers[HEADERS.agent] !== agent.agent_id) return { answer: withExtra(problem(401, ERROR_CODES.invalidToken, 'X-TaxPoynt-Agent does not match the token.')), cut: false };
    if (!Number.isFinite(ts) || Math.abs(ts * 1000 - now()) > 300_000) {
      return { answer: withExtra(problem(401, ERROR_CODES.timestampSkew, 'X-TaxPoynt-Timestamp is more than 5 minutes from our clock; correct it from the Date header.')), cut: false };
    }
    if (!verifySignature(agent.signing_secret, ts, raw, sig)) return { answer: withExtra(problem(401, ERROR_CODES.badSignature, 'The request signature does not match.')), cut: false };
    let json: Buffer;
    try {
      json = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw, { maxOutputLength: MAX_BATCH_BYTES + 1 }) : raw;
      if (req.headers['content-encoding'] === 'gzip') state.counters.gzip_batches++;
    } catch {
      return { answer: withExtra(problem(413, 'too_large', 'The batch is larger than 5 MiB uncompressed (or not valid gzip).')), cut: false };
    }
    if (json.length > MAX_BATCH_BYTES) return { answer: withExtra(problem(413, 'too_large', 'The batch is larger than 5 MiB.')), cut: false };
    let parsedJson: unknown;
    try {
      parsedJson = JSON.parse(json.toString('utf8'));
    } catch {
      return { answer: withExtra(problem(400, 'malformed', 'The body is not JSON.')), cut: false };
    }
    const count = Array.isArray((parsedJson as { transactions?: unknown }).transactions) ? (parsedJson as { transactions: unknown[] }).transactions.length : 0;
    if (count > Math.min(MAX_BATCH_ITEMS, faults.maxBatchItems ?? MAX_BATCH_ITEMS)) {
      return { answer: withExtra(problem(413, 'too_large', `At most ${Math.min(MAX_BATCH_ITEMS, faults.maxBatchItems ?? MAX_BATCH_ITEMS)} transactions per batch.`)), cut: false };
    }
    const parsed = BatchBody.safeParse(parsedJson);
    if (!parsed.success) {
      const errors = parsed.error.issues.slice(0, 20).map((i) => ({ field: i.path.join('.'), code: i.code, message: i.message }));
      return { answer: withExtra(problem(400, 'malformed', 'The batch does not match the contract.', errors)), cut: false };
    }
    const body = parsed.data;
    const marker = faults.malformedMarker;
    const marked = marker ? body.transactions.findIndex((t) => t.receipt_number.startsWith(marker)) : -1;
    if (marked >= 0) {
      return { answer: withExtra(problem(400, 'malformed', 'A transaction in the batch is malformed.', [{ field: `transactions.${marked}`, code: 'malformed', message: 'marked malformed by the sandbox' }])), cut: false };
    }
    const key = String(req.headers[HEADERS.idempotencyKey] ?? '');
    if (!key || key !== body.batch_id) return { answer: withExtra(problem(400, 'malformed', 'Idempotency-Key must equal batch_id.')), cut: false };
    const hash = createHash('sha256').update(json).digest('hex');
    const known = state.batches[key];
    if (faults.conflictNext && faults.conflictNext > 0) {
      faults.conflictNext--;
      return { answer: withExtra(problem(409, 'idempotency_conflict', 'This Idempotency-Key was used with another body.')), cut: false };
    }
    if (known && known.body_sha256 !== hash) {
      known.arrivals++;
      return { answer: withExtra(problem(409, 'idempotency_conflict', 'This Idempotency-Key was used with another body.')), cut: false };
    }
    let cut = false;
    if (faults.resetAfterCommit && faults.resetAfterCommit > 0) {
      faults.resetAfterCommit--;
      cut = true;
    } else if (faults.resetRate && random() < faults.resetRate) cut = true;
    if (known?.response) {
      known.arrivals++;
      state.counters.replays++;
      changed();
      return { answer: new HttpAnswer(200, known.response, extra), cut };
    }
    const results: BatchResult[] = body.transactions.map((tx) => {
      const record = (state.transactions[tx.id] ??= { irn: null, arrivals: 0, accepted: 0, duplicates: 0, rejected: 0, first_batch_id: null });
      record.arrivals++;
      if (record.accepted > 0) {
        record.duplicates++;
        return { id: tx.id, status: 'duplicate', irn: record.irn ?? undefined };
      }
      // §3: totals that do not add up (exclusive or VAT-inclusive form) are refused per transaction, with the reason.
      const arithmetic = arithmeticIssues(tx);
      if (arithmetic.length) {
        record.rejected++;
        return { id: tx.id, status: 'rejected', errors: arithmetic.map((a) => ({ field: a.field, code: a.code, message: a.message })) };
      }
      if (rejectionFor(tx)) {
        record.rejected++;
        return { id: tx.id, status: 'rejected', errors: [{ field: 'receipt_number', code: 'rejected', message: 'rejected by the sandbox (fault injection)' }] };
      }
      record.accepted++;
      record.first_batch_id = key;
      record.irn = `IRN-${tx.receipt_number}-${createHash('sha256').update(tx.id).digest('hex').slice(0, 8).toUpperCase()}`;
      return { id: tx.id, status: 'accepted', irn: record.irn };
    });
    const response: BatchResponse = { batch_id: key, results };
    if (win) {
      const accepted = results.filter((r) => r.status === 'accepted').length;
      state.counters.accepted_windows[String(win.start)] = (state.counters.accepted_windows[String(win.start)] ?? 0) + accepted;
    }
    state.batches[key] = { arrivals: 1, body_sha256: hash, response, items: results.length };
    changed();
    return { answer: new HttpAnswer(200, response, extra), cut };
  }

  async function route(req: IncomingMessage, raw: Buffer): Promise<{ answer: HttpAnswer; cut: boolean; delay: number }> {
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    const form = () => Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    const jsonBody = (): Record<string, unknown> => {
      try {
        return raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        return {};
      }
    };
    const plain = (answer: HttpAnswer) => ({ answer, cut: false, delay: 0 });
    const method = req.method ?? 'GET';

    if (method === 'POST' && path === PATHS.batch) {
      if (faults.holdRate && random() < faults.holdRate) {
        state.counters.held = (state.counters.held ?? 0) + 1;
        return { answer: new HttpAnswer(0, null), cut: false, delay: Infinity };
      }
      let delay = faults.delayMs ?? 0;
      if (faults.slowNext && faults.slowNext.count > 0) {
        faults.slowNext.count--;
        delay += faults.slowNext.ms;
      }
      return { ...batch(req, raw), delay };
    }
    if (method === 'POST' && path === PATHS.authorize) {
      const f = form();
      if (f.client_id !== CLIENT_ID) return plain(oauthError('invalid_client', 401));
      const deviceCode = randomBytes(24).toString('hex');
      const letters = Array.from(randomBytes(8), (b) => USER_CODE_LETTERS[b % USER_CODE_LETTERS.length]).join('');
      const userCode = `${letters.slice(0, 4)}-${letters.slice(4)}`;
      const ttl = options.deviceCodeTtlS ?? 900;
      const device: DeviceCode = { device_code: deviceCode, user_code: userCode, expires_at: clock.now() + ttl * 1000, state: 'pending', last_poll: 0 };
      devices.set(deviceCode, device);
      if (options.autoApprove) device.state = 'approved';
      const answer: DeviceAuthorizeResponse = {
        device_code: deviceCode,
        user_code: userCode,
        verification_uri: `${url}/device`,
        verification_uri_complete: `${url}/device?user_code=${userCode}`,
        expires_in: ttl,
        interval: options.pollIntervalS ?? 5,
      };
      return plain(new HttpAnswer(200, answer));
    }
    if (method === 'POST' && path === PATHS.token) {
      const parsed = TokenRequest.safeParse(form());
      if (!parsed.success) return plain(oauthError('invalid_request'));
      const request = parsed.data;
      if (request.grant_type === DEVICE_CODE_GRANT) {
        const device = devices.get(request.device_code);
        if (!device || device.state === 'used') return plain(oauthError('invalid_grant'));
        if (device.expires_at <= clock.now()) return plain(oauthError('expired_token'));
        if (faults.slowDownNext && faults.slowDownNext > 0) {
          faults.slowDownNext--;
          return plain(oauthError('slow_down'));
        }
        device.last_poll = clock.now();
        if (device.state === 'denied') return plain(oauthError('access_denied'));
        if (device.state === 'pending') return plain(oauthError('authorization_pending'));
        device.state = 'used';
        const agentId = 'agt_' + randomBytes(8).toString('hex');
        state.agents[agentId] = { agent_id: agentId, ...(options.business ?? DEFAULT_BUSINESS), signing_secret: randomBytes(32).toString('base64url') };
        return plain(new HttpAnswer(200, issueTokens(agentId)));
      }
      const record = state.refresh_tokens[request.refresh_token];
      if (!record || !record.alive || !state.agents[record.agent_id]) return plain(oauthError('invalid_grant'));
      record.alive = false; // rotation: the old refresh token is dead once used
      return plain(new HttpAnswer(200, issueTokens(record.agent_id)));
    }
    if (method === 'POST' && path === PATHS.revoke) {
      const token = form().token ?? '';
      const refresh = state.refresh_tokens[token];
      const agentId = refresh?.agent_id ?? accessTokens.get(token)?.agent_id;
      if (refresh) refresh.alive = false;
      if (agentId) revokeAgent(agentId);
      changed();
      return plain(new HttpAnswer(200, {}));
    }
    if (method === 'GET' && path === PATHS.config) {
      const auth = authenticate(req);
      if (auth instanceof HttpAnswer) return plain(auth);
      state.counters.config_polls++;
      const etag = `"${createHash('sha256').update(JSON.stringify(state.remote_config)).digest('hex').slice(0, 16)}"`;
      if (req.headers['if-none-match'] === etag) return plain(new HttpAnswer(304, null, { etag }));
      return plain(new HttpAnswer(200, state.remote_config, { etag }));
    }
    if (method === 'POST' && path === PATHS.heartbeat) {
      const auth = authenticate(req);
      if (auth instanceof HttpAnswer) return plain(auth);
      const parsed = Heartbeat.safeParse(jsonBody());
      if (!parsed.success) return plain(problem(400, 'malformed', 'The heartbeat does not match the contract.', parsed.error.issues.map((i) => ({ field: i.path.join('.'), code: i.code, message: i.message }))));
      state.counters.heartbeats++;
      state.heartbeats = [...state.heartbeats.slice(-19), parsed.data];
      changed();
      return plain(new HttpAnswer(204, null));
    }
    // ── sandbox only ──
    if (method === 'POST' && path === PATHS.sandboxApprove) {
      const isForm = String(req.headers['content-type'] ?? '').includes('form');
      const body = isForm ? form() : jsonBody();
      const ok = approve(String(body.user_code ?? ''), body.deny === true || body.deny === 'true');
      if (isForm) return plain(new HttpAnswer(ok ? 200 : 404, page(ok ? 'Approved. The bridge will finish pairing in a few seconds.' : 'That code is unknown or expired.', ''), { 'content-type': 'text/html; charset=utf-8' }));
      return plain(ok ? new HttpAnswer(200, { approved: true }) : problem(404, 'unknown_code', 'No pending pairing has that code.'));
    }
    if (method === 'GET' && path === '/device') {
      const code = new URL(req.url ?? '/', 'http://sandbox').searchParams.get('user_code') ?? '';
      return plain(new HttpAnswer(200, page('Approve a POS Bridge', code), { 'content-type': 'text/html; charset=utf-8' }));
    }
    if (method === 'GET' && path === '/sandbox/state') return plain(new HttpAnswer(200, summary()));
    if (method === 'POST' && path === '/sandbox/faults') {
      Object.assign(faults, jsonBody());
      return plain(new HttpAnswer(200, faults));
    }
    if (method === 'POST' && path === '/sandbox/agents/revoke') {
      // The dashboard's "revoke this device": every token of the agent (all agents when none is named) dies at once.
      const named = jsonBody().agent_id;
      const ids = typeof named === 'string' ? [named] : Object.keys(state.agents);
      const revoked = ids.filter((id) => revokeAgent(id));
      return plain(revoked.length || typeof named !== 'string' ? new HttpAnswer(200, { revoked }) : problem(404, 'unknown_agent', `No agent ${named} here.`));
    }
    if (method === 'POST' && path === '/sandbox/config') {
      const parsed = RemoteConfig.safeParse(jsonBody());
      if (!parsed.success) return plain(problem(400, 'malformed', 'Not a remote config.'));
      state.remote_config = parsed.data;
      changed();
      return plain(new HttpAnswer(200, parsed.data));
    }
    return plain(problem(404, 'not_found', `No ${method} ${path} here.`));
  }

  function summary() {
    const txs = Object.values(state.transactions);
    return {
      transactions: state.transactions,
      batches: Object.fromEntries(Object.entries(state.batches).map(([id, b]) => [id, { arrivals: b.arrivals, items: b.items }])),
      totals: {
        transactions: txs.length,
        accepted: txs.filter((t) => t.accepted > 0).length,
        accepted_more_than_once: txs.filter((t) => t.accepted > 1).length,
        rejected: txs.filter((t) => t.accepted === 0 && t.rejected > 0).length,
      },
      counters: state.counters,
      faults,
      heartbeats: state.heartbeats,
    };
  }

  function escape(text: string): string {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  function page(title: string, code: string): string {
    return `<!doctype html><html><head><meta charset="utf-8"><title>TaxPoynt sandbox</title>
<style>body{font-family:system-ui;margin:3rem auto;max-width:28rem;color:#0f172a}h1{color:#0891b2}input,button{font-size:1.2rem;padding:.5rem}button{background:#06b6d4;color:#fff;border:0;border-radius:.4rem}</style></head>
<body><h1>${escape(title)}</h1><form method="post" action="${PATHS.sandboxApprove}"><label>Code shown by the bridge<br><input name="user_code" value="${escape(code)}" autocomplete="off"></label>
<p><button type="submit">Approve</button> <button type="submit" name="deny" value="true" style="background:#64748b">Decline</button></p></form></body></html>`;
  }

  const updateFeed = options.updatesRoot ? createUpdateFeed({ root: options.updatesRoot }) : null;
  const server = createServer((req, res) => {
    if (updateFeed?.(req, res)) return;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BATCH_BYTES + 1024 * 1024) chunks.push(chunk);
    });
    req.on('end', () => {
      state.counters.requests++;
      void route(req, Buffer.concat(chunks)).then(({ answer, cut, delay }) => respond(res, answer, cut, delay));
    });
  });
  server.keepAliveTimeout = 5000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function respond(res: ServerResponse, answer: HttpAnswer, cut: boolean, delay: number): void {
    const send = () => {
      const status = String(answer.status);
      state.counters.by_status[status] = (state.counters.by_status[status] ?? 0) + 1;
      const text = answer.body === null ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      const body = Buffer.from(text, 'utf8');
      const headers: Record<string, string | number> = {
        date: new Date(now()).toUTCString(),
        'content-type': answer.body === null ? 'text/plain' : 'application/json',
        ...answer.headers,
        'content-length': body.length,
      };
      if (cut) {
        // Committed, then the connection drops mid-answer: the client must retry the same batch id.
        state.counters.resets++;
        changed();
        res.writeHead(answer.status, headers);
        res.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => res.socket?.destroy());
        return;
      }
      res.writeHead(answer.status, headers);
      res.end(body);
    };
    if (delay === Infinity) return; // held open: the client's timeout (or close()) ends it
    if (delay > 0) {
      const timer = clock.setTimer(() => {
        delayed.delete(timer);
        send();
      }, delay);
      delayed.add(timer);
    } else send();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    get state() {
      return state;
    },
    faults,
    approve: (code) => approve(code),
    revokeAgent: (agentId) => (agentId ? [agentId] : Object.keys(state.agents)).filter((id) => revokeAgent(id)),
    setRemoteConfig(config) {
      state.remote_config = RemoteConfig.parse(config);
      changed();
    },
    duplicatesAccepted: () => Object.entries(state.transactions).filter(([, t]) => t.accepted > 1).map(([id]) => id),
    save,
    async close() {
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = null;
      for (const timer of delayed) timer.cancel();
      delayed.clear();
      save();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
