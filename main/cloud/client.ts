// The HTTP edge to the TaxPoynt cloud: got with a keep-alive agent, per-phase timeouts, got's retry off (ours is in the forwarder).
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { type Got, RequestError } from 'got';
import { BaseUrl } from '../engine/config.js';
import { silentLogger, type Logger } from '../telemetry/log.js';
import { systemClock, type Clock } from './clock.js';
import {
  CLIENT_ID,
  DEVICE_CODE_GRANT,
  DeviceAuthorizeResponse,
  HEADERS,
  OAuthError,
  PATHS,
  SCOPE,
  TokenResponse,
  readError,
  signBody,
  type Heartbeat,
} from './contract.js';
import type { HeaderBag } from './rate-limit.js';

export interface Answer {
  status: number;
  headers: HeaderBag;
  /** Parsed JSON when the answer was JSON, else the text. */
  body: unknown;
  latencyMs: number;
  /** This client's clock when the answer arrived. */
  at: number;
}

/** The request got no HTTP answer: refused, reset mid-response, timed out. Transient by nature. */
export class CloudUnreachable extends Error {
  readonly code = 'cloud_unreachable';
  constructor(
    readonly reason: string,
    readonly latencyMs: number,
  ) {
    super(`The TaxPoynt cloud could not be reached (${reason}). Transactions stay queued and are retried; check the network if this persists.`);
    this.name = 'CloudUnreachable';
  }
}

/** The cloud answered something the contract does not allow. */
export class CloudProtocolError extends Error {
  readonly code = 'cloud_protocol';
  constructor(what: string) {
    super(`The TaxPoynt cloud answered in an unexpected form (${what}). Check that cloud.base_url points at the TaxPoynt API.`);
    this.name = 'CloudProtocolError';
  }
}

export type TokenAnswer = { ok: true; token: TokenResponse } | { ok: false; error: OAuthError['error']; status: number };

/**
 * How long each phase of a request may take (config `cloud.*_timeout_ms`). A link that accepts the connection and then
 * says nothing is caught by the first-byte timeout, well before the whole-request one.
 */
export interface CloudTimeouts {
  /** DNS look-up plus TCP connect. */
  connectMs: number;
  /** The TLS handshake, once connected. */
  tlsMs: number;
  /** From the request sent to the first byte of the answer. */
  firstByteMs: number;
  /** The whole request, from start to the last byte of the answer. */
  requestMs: number;
}

export const DEFAULT_TIMEOUTS: CloudTimeouts = { connectMs: 5000, tlsMs: 5000, firstByteMs: 10_000, requestMs: 30_000 };

/** The phases as the config file names them (`cloud.timeout_ms` is the whole request). */
export function timeoutsOf(cloud: { timeout_ms: number; connect_timeout_ms: number; tls_timeout_ms: number; first_byte_timeout_ms: number }): CloudTimeouts {
  return { connectMs: cloud.connect_timeout_ms, tlsMs: cloud.tls_timeout_ms, firstByteMs: cloud.first_byte_timeout_ms, requestMs: cloud.timeout_ms };
}

export interface CloudClientOptions {
  baseUrl: string;
  clock?: Clock;
  log?: Logger;
  timeouts?: Partial<CloudTimeouts>;
  /** Shorthand for timeouts.requestMs (the first byte never waits longer than the whole request may take). */
  timeoutMs?: number;
}

export interface SignedBatch {
  accessToken: string;
  agentId: string;
  signingSecret: string;
  batchId: string;
  /** The JSON body, uncompressed. */
  json: Buffer;
  gzip: Buffer | null;
  timestampS: number;
}

export class CloudClient {
  readonly baseUrl: string;
  private readonly got: Got;
  private readonly clock: Clock;
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32 });

  constructor(options: CloudClientOptions) {
    const parsed = BaseUrl.safeParse(options.baseUrl);
    if (!parsed.success) throw new CloudProtocolError(`cloud.base_url ${parsed.error.issues[0]!.message}`);
    this.baseUrl = parsed.data.replace(/\/+$/, '');
    this.clock = options.clock ?? systemClock;
    void (options.log ?? silentLogger);
    const t = { ...DEFAULT_TIMEOUTS, ...(options.timeoutMs ? { requestMs: options.timeoutMs } : {}), ...options.timeouts };
    t.firstByteMs = Math.min(t.firstByteMs, t.requestMs);
    this.got = got.extend({
      throwHttpErrors: false,
      retry: { limit: 0 },
      followRedirect: false,
      decompress: true,
      responseType: 'buffer',
      agent: { http: this.httpAgent, https: this.httpsAgent },
      // got's phases: lookup+connect, secureConnect (TLS), response (first byte after the upload), request (all of it).
      timeout: { lookup: t.connectMs, connect: t.connectMs, secureConnect: t.tlsMs, send: t.requestMs, response: t.firstByteMs, request: t.requestMs },
      headers: { 'user-agent': 'taxpoynt-pos-bridge' },
    });
  }

  async request(
    method: 'GET' | 'POST',
    path: string,
    init: { headers?: Record<string, string>; body?: Buffer | string; form?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Answer> {
    const started = this.clock.now();
    try {
      const response = await this.got(this.baseUrl + path, {
        method,
        headers: init.headers,
        body: init.body,
        form: init.form,
        signal: init.signal,
      });
      const at = this.clock.now();
      const type = String(response.headers['content-type'] ?? '');
      const raw = response.body as unknown as Buffer;
      let body: unknown = raw.length ? raw.toString('utf8') : null;
      if (raw.length && type.includes('json')) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new CloudUnreachable('the answer was cut short', at - started);
        }
      }
      return { status: response.statusCode, headers: response.headers as HeaderBag, body, latencyMs: at - started, at };
    } catch (err) {
      if (err instanceof CloudUnreachable) throw err;
      const latency = this.clock.now() - started;
      if (err instanceof RequestError) throw new CloudUnreachable(err.code ?? err.name, latency);
      throw new CloudUnreachable((err as Error).name ?? 'unknown', latency);
    }
  }

  async authorizeDevice(deviceName: string): Promise<DeviceAuthorizeResponse> {
    const answer = await this.request('POST', PATHS.authorize, { form: { client_id: CLIENT_ID, scope: SCOPE, device_name: deviceName } });
    if (answer.status !== 200) throw new CloudProtocolError(`device authorization answered ${answer.status}: ${readError(answer.body).detail}`);
    const parsed = DeviceAuthorizeResponse.safeParse(answer.body);
    if (!parsed.success) throw new CloudProtocolError('device authorization answer does not match the contract');
    return parsed.data;
  }

  pollDeviceToken(deviceCode: string): Promise<TokenAnswer> {
    return this.token({ grant_type: DEVICE_CODE_GRANT, device_code: deviceCode, client_id: CLIENT_ID });
  }

  refresh(refreshToken: string): Promise<TokenAnswer> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID });
  }

  async revoke(token: string): Promise<void> {
    const answer = await this.request('POST', PATHS.revoke, { form: { token } });
    if (answer.status !== 200) throw new CloudProtocolError(`revoke answered ${answer.status}`);
  }

  sendBatch(batch: SignedBatch, signal?: AbortSignal): Promise<Answer> {
    const body = batch.gzip ?? batch.json;
    const headers: Record<string, string> = {
      authorization: `Bearer ${batch.accessToken}`,
      'content-type': 'application/json',
      [HEADERS.idempotencyKey]: batch.batchId,
      [HEADERS.agent]: batch.agentId,
      [HEADERS.timestamp]: String(batch.timestampS),
      [HEADERS.signature]: signBody(batch.signingSecret, batch.timestampS, body),
    };
    if (batch.gzip) headers['content-encoding'] = 'gzip';
    return this.request('POST', PATHS.batch, { headers, body, signal });
  }

  getConfig(accessToken: string, etag: string | null): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${accessToken}` };
    if (etag) headers['if-none-match'] = etag;
    return this.request('GET', PATHS.config, { headers });
  }

  heartbeat(accessToken: string, body: Heartbeat): Promise<Answer> {
    return this.request('POST', PATHS.heartbeat, {
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async token(form: Record<string, string>): Promise<TokenAnswer> {
    const answer = await this.request('POST', PATHS.token, { form });
    if (answer.status === 200) {
      const parsed = TokenResponse.safeParse(answer.body);
      if (!parsed.success) throw new CloudProtocolError('token answer does not match the contract');
      return { ok: true, token: parsed.data };
    }
    const error = OAuthError.safeParse(answer.body);
    if (answer.status >= 400 && answer.status < 500 && error.success) return { ok: false, error: error.data.error, status: answer.status };
    if (answer.status >= 500 || answer.status === 429) throw new CloudUnreachable(`token endpoint answered ${answer.status}`, answer.latencyMs);
    throw new CloudProtocolError(`token endpoint answered ${answer.status}`);
  }
}
