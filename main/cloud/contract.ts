// cloud-api.md as zod schemas and constants: the one source the client and the sandbox both validate against.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { TransactionSchema } from '../receipts/transaction.js';

/** §3's arithmetic, as the cloud checks it (the parser holds for review what would fail it). */
export { arithmeticIssues, type ArithmeticIssue } from '../receipts/transaction.js';

export const CLIENT_ID = 'pos-bridge';
export const SCOPE = 'pos:ingest agent:config';
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** §2: at most 500 transactions and 5 MiB (before compression) per batch. */
export const MAX_BATCH_ITEMS = 500;
export const MAX_BATCH_BYTES = 5 * 1024 * 1024;

export const PATHS = {
  authorize: '/oauth/device/authorize',
  token: '/oauth/token',
  revoke: '/oauth/revoke',
  batch: '/v1/transactions/batch',
  config: '/v1/agents/me/config',
  heartbeat: '/v1/agents/me/heartbeat',
  sandboxApprove: '/sandbox/device/approve',
} as const;

export const HEADERS = {
  idempotencyKey: 'idempotency-key',
  agent: 'x-taxpoynt-agent',
  timestamp: 'x-taxpoynt-timestamp',
  signature: 'x-taxpoynt-signature',
} as const;

// ── §1 pairing (RFC 8628) ───────────────────────────────────────────────────────────────────────

export const DeviceAuthorizeRequest = z.object({
  client_id: z.literal(CLIENT_ID),
  scope: z.string().min(1),
  device_name: z.string().min(1).max(200),
});

export const DeviceAuthorizeResponse = z.object({
  device_code: z.string().min(8),
  user_code: z.string().min(4),
  verification_uri: z.string().url(),
  verification_uri_complete: z.string().url(),
  expires_in: z.number().int().positive(),
  interval: z.number().int().nonnegative().default(5),
});
export type DeviceAuthorizeResponse = z.infer<typeof DeviceAuthorizeResponse>;

export const TokenRequest = z.discriminatedUnion('grant_type', [
  z.object({ grant_type: z.literal(DEVICE_CODE_GRANT), device_code: z.string().min(1), client_id: z.literal(CLIENT_ID) }),
  z.object({ grant_type: z.literal('refresh_token'), refresh_token: z.string().min(1), client_id: z.string().optional() }),
]);

export const AgentInfo = z.object({
  agent_id: z.string().min(1),
  business_id: z.string().min(1),
  business_name: z.string(),
  tin: z.string(),
  location_name: z.string(),
});
export type AgentInfo = z.infer<typeof AgentInfo>;

export const TokenResponse = z.object({
  access_token: z.string().min(8),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().positive(),
  refresh_token: z.string().min(8),
  scope: z.string(),
  signing_secret: z.string().min(16),
  agent: AgentInfo,
});
export type TokenResponse = z.infer<typeof TokenResponse>;

export const OAUTH_ERRORS = [
  'authorization_pending',
  'slow_down',
  'access_denied',
  'expired_token',
  'invalid_grant',
  'invalid_request',
  'invalid_client',
  'unsupported_grant_type',
] as const;
export const OAuthError = z.object({ error: z.enum(OAUTH_ERRORS), error_description: z.string().optional() });
export type OAuthError = z.infer<typeof OAuthError>;

export const RevokeRequest = z.object({ token: z.string().min(1) });

// ── §2 ingest ───────────────────────────────────────────────────────────────────────────────────

export const BatchBody = z.object({
  batch_id: z.string().min(1).max(128),
  sent_at: z.string().min(1),
  agent: z.object({ agent_id: z.string().min(1), version: z.string().min(1) }),
  transactions: z.array(TransactionSchema).min(1),
});
export type BatchBody = z.infer<typeof BatchBody>;

export const ProblemItem = z.object({ field: z.string(), code: z.string(), message: z.string() });

export const BatchResult = z.object({
  id: z.string().min(1),
  status: z.enum(['accepted', 'duplicate', 'rejected']),
  irn: z.string().optional(),
  errors: z.array(ProblemItem).optional(),
});
export type BatchResult = z.infer<typeof BatchResult>;

export const BatchResponse = z.object({ batch_id: z.string(), results: z.array(BatchResult) });
export type BatchResponse = z.infer<typeof BatchResponse>;

/** RFC 9457 problem details, as the contract's new endpoints answer errors. */
export const ProblemDetails = z.object({
  type: z.string().default('about:blank'),
  title: z.string().default(''),
  status: z.number().int(),
  detail: z.string().optional(),
  code: z.string().optional(),
  errors: z.array(ProblemItem).optional(),
});
export type ProblemDetails = z.infer<typeof ProblemDetails>;

/** The TaxPoynt platform's older error envelope. */
export const LegacyErrorEnvelope = z.object({
  success: z.literal(false),
  error: z.string(),
  error_code: z.string().optional(),
  details: z.unknown().optional(),
});
export type LegacyErrorEnvelope = z.infer<typeof LegacyErrorEnvelope>;

export const ERROR_CODES = {
  tokenExpired: 'token_expired',
  invalidToken: 'invalid_token',
  badSignature: 'bad_signature',
  timestampSkew: 'timestamp_skew',
  agentDisabled: 'agent_disabled',
} as const;

/** One error, whichever envelope it came in: the client reads both. */
export interface CloudError {
  code: string | null;
  detail: string;
  errors: Array<z.infer<typeof ProblemItem>>;
}

export function readError(body: unknown): CloudError {
  const problem = ProblemDetails.safeParse(body);
  if (problem.success && (problem.data.code || problem.data.detail || problem.data.title)) {
    return { code: problem.data.code ?? null, detail: problem.data.detail ?? problem.data.title, errors: problem.data.errors ?? [] };
  }
  const legacy = LegacyErrorEnvelope.safeParse(body);
  if (legacy.success) {
    const details = legacy.data.details;
    const errors = z.array(ProblemItem).safeParse(details);
    return { code: legacy.data.error_code ?? null, detail: legacy.data.error, errors: errors.success ? errors.data : [] };
  }
  return { code: null, detail: typeof body === 'string' ? body.slice(0, 200) : 'no error body', errors: [] };
}

// ── §4 remote config and heartbeat ─────────────────────────────────────────────────────────────

export const RemoteConfig = z.object({
  version: z.union([z.string(), z.number()]),
  flags: z.object({
    capture_enabled: z.boolean(),
    forwarding_enabled: z.boolean(),
    integrations: z.object({ escpos_serial: z.boolean(), escpos_tcp: z.boolean(), ecr_serial: z.boolean(), hid: z.boolean() }),
  }),
  batch: z.object({
    max_items: z.number().int().min(1).max(MAX_BATCH_ITEMS),
    max_bytes: z.number().int().min(1024).max(MAX_BATCH_BYTES),
    max_wait_ms: z.number().int().min(0),
  }),
  rate: z.object({ max_rps: z.number().positive() }),
  log_level: z.enum(['debug', 'info', 'warn', 'error']),
  retention_days: z.number().int().positive(),
  update: z.object({
    channel: z.enum(['stable', 'beta', 'pilot']),
    pin_version: z.string().optional(),
    install_window: z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/).default('02:00-05:00'),
  }),
});
export type RemoteConfig = z.infer<typeof RemoteConfig>;

export const Heartbeat = z.object({
  agent_id: z.string().min(1),
  version: z.string().min(1),
  os: z.string(),
  uptime_s: z.number().nonnegative(),
  devices: z.array(z.object({ id: z.string(), kind: z.string(), state: z.string(), last_seen: z.string().nullable() })),
  outbox: z.object({
    pending: z.number().int().nonnegative(),
    review: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    oldest_pending_age_s: z.number().nonnegative().nullable(),
  }),
  last_hour: z.object({
    captured: z.number().int().nonnegative(),
    accepted: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    failures_by_integration: z.record(z.string(), z.number().int().nonnegative()),
  }),
  api: z.object({ p50_ms: z.number().nonnegative(), p95_ms: z.number().nonnegative(), errors: z.number().int().nonnegative() }),
  update: z.object({
    channel: z.string(),
    state: z.string(),
    available_version: z.string().nullable(),
    last_error: z.string().nullable(),
  }),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

// ── §2 signature ────────────────────────────────────────────────────────────────────────────────

/** `v1=<hex HMAC-SHA256(signing_secret, timestamp + "." + hex SHA-256 of the body bytes as sent)>`. */
export function signBody(secret: string, timestampS: number, bodyAsSent: Uint8Array): string {
  const bodyHash = createHash('sha256').update(bodyAsSent).digest('hex');
  return 'v1=' + createHmac('sha256', secret).update(`${timestampS}.${bodyHash}`).digest('hex');
}

export function verifySignature(secret: string, timestampS: number, bodyAsSent: Uint8Array, header: string): boolean {
  const expected = Buffer.from(signBody(secret, timestampS, bodyAsSent));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
