// The BridgeApi contract between the renderer and the engine: every request and event with its zod schema (zod only, so the renderer can import it).
import { z } from 'zod';

// ------------------------------------------------------------------ shared pieces

/** Naira with two decimal places ("1234.50"), as on the wire: never a float. */
export const MoneyText = z.string().regex(/^-?\d+\.\d{2}$/);
/** ISO 8601 instant. */
export const Instant = z.string().min(1);

export const OUTBOX_STATES = ['pending', 'in_flight', 'accepted', 'duplicate', 'rejected', 'review', 'unparsed', 'reading'] as const;
export const ReceiptState = z.enum(OUTBOX_STATES);
export type ReceiptState = z.infer<typeof ReceiptState>;

export const DeviceKind = z.enum(['serial_tap', 'virtual_printer', 'hid', 'ecr_serial']);
export type DeviceKind = z.infer<typeof DeviceKind>;

export const Problem = z.object({ code: z.string(), field: z.string(), message: z.string() });
export type Problem = z.infer<typeof Problem>;

/** A QR code as a square of modules: `rows[y][x] === '1'` is a dark module. Drawn by the renderer, no image decoding. */
export const QrMatrix = z.object({ data: z.string(), size: z.number().int().positive(), rows: z.array(z.string()) });
export type QrMatrix = z.infer<typeof QrMatrix>;

const Empty = z.object({}).strict();

// ------------------------------------------------------------------ status

export const OverallState = z.enum(['starting', 'ok', 'attention', 'offline', 'paused', 'restarting']);
export type OverallState = z.infer<typeof OverallState>;

export const AlertView = z.object({
  /** Stable code, e.g. `pairing_lost`, `disk_full`, `device_silent`, `engine_crashing`. */
  code: z.string(),
  severity: z.enum(['info', 'warning', 'error']),
  message: z.string(),
  at: Instant,
  /** The engine decided this one deserves a desktop notification (already de-duplicated and rate-limited). */
  notify: z.boolean(),
  /** Which device or receipt it is about, when it is about one. */
  subject: z.string().nullable(),
});
export type AlertView = z.infer<typeof AlertView>;

export const DeviceStatusView = z.object({
  id: z.string(),
  kind: DeviceKind,
  status: z.enum(['starting', 'detecting_baud', 'connected', 'listening', 'disconnected', 'reconnecting', 'error', 'stopped']),
  /** What the status means and what to do when something is wrong. */
  detail: z.string(),
  connected: z.boolean(),
  lastReceiptAt: Instant.nullable(),
  receiptsToday: z.number().int().nonnegative(),
  jobs: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  baud: z.object({ rate: z.number().nullable(), source: z.enum(['config', 'auto']), score: z.number().optional() }).nullable(),
  /** Virtual printer in pass-through: the real printer's health; null for other kinds. */
  passThrough: z.enum(['none', 'connected', 'absent']).nullable(),
  queuedBytes: z.number().int().nonnegative().nullable(),
  lanes: z.array(z.string()),
  endpoint: z.string().nullable(),
  silentSince: Instant.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type DeviceStatusView = z.infer<typeof DeviceStatusView>;

export const BusinessView = z.object({ name: z.string(), tin: z.string(), location: z.string(), businessId: z.string() });
export type BusinessView = z.infer<typeof BusinessView>;

export const PairingView = z.object({
  state: z.enum(['idle', 'starting', 'waiting', 'approved', 'denied', 'expired', 'failed', 'cancelled']),
  userCode: z.string().nullable(),
  verificationUri: z.string().nullable(),
  verificationUriComplete: z.string().nullable(),
  qr: QrMatrix.nullable(),
  expiresAt: Instant.nullable(),
  business: BusinessView.nullable(),
  /** What happened and what to do next (denied, expired, failed). */
  message: z.string().nullable(),
});
export type PairingView = z.infer<typeof PairingView>;

export const CloudView = z.object({
  paired: z.boolean(),
  business: BusinessView.nullable(),
  state: z.enum(['stopped', 'not_paired', 'pairing_lost', 'killed', 'disabled', 'breaker_open', 'backing_off', 'rate_limited', 'sending', 'idle']),
  /** The cloud cannot be reached now (breaker open or backing off after network failures). */
  offline: z.boolean(),
  rateLimited: z.boolean(),
  lastSyncAt: Instant.nullable(),
  lastError: z.string().nullable(),
  /** When the next attempt is due while offline, backing off or rate-limited. */
  nextRetryAt: Instant.nullable(),
});
export type CloudView = z.infer<typeof CloudView>;

export const EngineView = z.object({
  state: z.enum(['running', 'restarting', 'attention']),
  /** Crashes in the last 10 minutes. */
  recentCrashes: z.number().int().nonnegative(),
  restarts: z.number().int().nonnegative(),
  nextRestartAt: Instant.nullable(),
  message: z.string().nullable(),
});
export type EngineView = z.infer<typeof EngineView>;

/** The update loop as the merchant sees it (no feed URL, no secrets): what runs, what is ready, when it last looked. */
export const UpdateView = z.object({
  /** The running version. */
  current: z.string(),
  channel: z.enum(['stable', 'beta', 'pilot']),
  state: z.enum(['idle', 'checking', 'downloading', 'downloaded', 'installing', 'error', 'unhealthy']),
  availableVersion: z.string().nullable(),
  /** A version downloaded and verified: "Restart to update to X" is offered. */
  downloadedVersion: z.string().nullable(),
  lastCheckAt: Instant.nullable(),
  /** What the last check found, in a sentence; null before the first check. */
  lastCheckResult: z.string().nullable(),
  nextCheckAt: Instant.nullable(),
  lastError: z.string().nullable(),
});
export type UpdateView = z.infer<typeof UpdateView>;

export const StatusView = z.object({
  state: OverallState,
  /** One sentence: what is going on and what to do. */
  headline: z.string(),
  version: z.string(),
  startedAt: Instant,
  updatedAt: Instant,
  capturePaused: z.boolean(),
  engine: EngineView,
  devices: z.array(DeviceStatusView),
  outbox: z.object({
    counts: z.record(ReceiptState, z.number().int().nonnegative()),
    pending: z.number().int().nonnegative(),
    review: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    oldestPendingAgeS: z.number().nullable(),
    buffered: z.number().int().nonnegative(),
  }),
  cloud: CloudView,
  today: z.object({ receipts: z.number().int().nonnegative(), accepted: z.number().int().nonnegative(), total: MoneyText, vat: MoneyText }),
  alerts: z.array(AlertView),
  pairing: PairingView,
  /** Absent while the engine is down or its update loop is off. */
  update: UpdateView.optional(),
});
export type StatusView = z.infer<typeof StatusView>;

// ------------------------------------------------------------------ devices

/**
 * A device's settings as the config file holds them (main/capture/config.ts is the full schema; the
 * engine validates against it and names the field that is wrong). Loose here so forms can send partial kinds.
 */
export const DeviceSettings = z.looseObject({ id: z.string().min(1), kind: DeviceKind });
export type DeviceSettings = z.infer<typeof DeviceSettings>;

export const DeviceEntry = z.object({ settings: DeviceSettings, state: DeviceStatusView.nullable() });
export type DeviceEntry = z.infer<typeof DeviceEntry>;

export const DetectedSerialPort = z.object({
  path: z.string(),
  manufacturer: z.string().nullable(),
  vendorId: z.string().nullable(),
  productId: z.string().nullable(),
  /** A human name from the USB ids ("Prolific PL2303"), when known. */
  name: z.string().nullable(),
  /** A configured device already uses it. */
  usedBy: z.string().nullable(),
});
export const DetectedHidDevice = z.object({
  path: z.string().nullable(),
  vendorId: z.string(),
  productId: z.string(),
  manufacturer: z.string().nullable(),
  product: z.string().nullable(),
  usedBy: z.string().nullable(),
});

/** An OS print queue (CUPS or the Windows spooler) the bridge can stand in front of. */
export const PrintQueueView = z.object({
  name: z.string(),
  driver: z.string().nullable(),
  /** CUPS device URI or Windows port name. */
  port: z.string(),
  /** Its driver or model says receipt printer (thermal, POS, Generic / Text Only, raw). */
  receiptPrinter: z.boolean(),
  /** The device standing in front of it, or null. */
  takenOverBy: z.string().nullable(),
  /** One of the bridge's own hidden direct queues (not offered for take-over). */
  bridgeDirect: z.boolean(),
});
export type PrintQueueView = z.infer<typeof PrintQueueView>;

/** A queue's name as the spooler lists it: data for the spooler, never a path or a command (no control characters, at most 256). */
export const QueueName = z.string().min(1).max(256).regex(/^[^\u0000-\u001f\u007f]+$/, 'a queue name has no control characters');

// ------------------------------------------------------------------ receipts

export const PaperLine = z.object({
  text: z.string(),
  bold: z.boolean(),
  underline: z.boolean(),
  doubleWidth: z.boolean(),
  doubleHeight: z.boolean(),
  reverse: z.boolean(),
  align: z.enum(['left', 'center', 'right']),
});
export type PaperLine = z.infer<typeof PaperLine>;

/** The receipt as printed (card numbers masked): for drawing thermal paper. */
export const PaperView = z.object({
  /** Characters per line of the printer (42 for 80 mm Font A, 32 for 58 mm). */
  width: z.number().int().positive(),
  lines: z.array(PaperLine),
  qr: z.array(QrMatrix),
  barcodes: z.array(z.object({ type: z.string(), value: z.string() })),
  warnings: z.array(z.string()),
  /** Pictures printed (raster images), each at its place among `lines`, as a 1-bit PNG data URL at the printer's dots. */
  pictures: z.array(z.object({ line: z.number().int().nonnegative(), width: z.number().int().positive(), height: z.number().int().positive(), png: z.string().startsWith('data:image/png;base64,') })).optional(),
  /** The text read from the pictures (OCR), line by line, each word with the engine's confidence (0 to 1). */
  read: z.array(z.object({ words: z.array(z.object({ text: z.string(), confidence: z.number().min(0).max(1) })) })).optional(),
});
export type PaperView = z.infer<typeof PaperView>;

export const ReceiptSummary = z.object({
  id: z.string(),
  deviceId: z.string(),
  state: ReceiptState,
  receiptNumber: z.string().nullable(),
  issuedAt: z.string().nullable(),
  total: MoneyText.nullable(),
  vat: MoneyText.nullable(),
  /** Why it waits or failed (review, unparsed, rejected, last error), null when all is well. */
  reason: z.string().nullable(),
  irn: z.string().nullable(),
  createdAt: Instant,
  updatedAt: Instant,
});
export type ReceiptSummary = z.infer<typeof ReceiptSummary>;

export const HistoryView = z.object({ from: ReceiptState.nullable(), to: ReceiptState, at: Instant, note: z.string().nullable() });

export const ReceiptDetail = z.object({
  summary: ReceiptSummary,
  paper: PaperView.nullable(),
  /** The transaction as sent (card numbers only as last four digits). */
  transaction: z.record(z.string(), z.unknown()).nullable(),
  problems: z.array(Problem),
  history: z.array(HistoryView),
  irn: z.string().nullable(),
  attempts: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
  capture: z.object({ capturedAt: Instant, bytes: z.number().int().nonnegative(), sha256: z.string(), integration: z.string(), profile: z.string().nullable(), codepage: z.string().nullable() }).nullable(),
  /** What the merchant can do with it now. */
  canRetry: z.boolean(),
  canReprocess: z.boolean(),
});
export type ReceiptDetail = z.infer<typeof ReceiptDetail>;

// ------------------------------------------------------------------ profiles, settings, doctor

export const ProfileEntry = z.object({ name: z.string(), source: z.enum(['builtin', 'user']), usedBy: z.array(z.string()) });
export const ProfileIssue = z.object({ path: z.string(), message: z.string() });
export type ProfileIssue = z.infer<typeof ProfileIssue>;
export const ProfileTryResult = z.object({
  id: z.string(),
  deviceId: z.string(),
  receiptNumber: z.string().nullable(),
  before: ReceiptState.nullable(),
  after: z.enum(['pending', 'review', 'unparsed', 'reading']),
  total: MoneyText.nullable(),
  problems: z.array(Problem),
});

export const SETTING_KEYS = ['updateChannel', 'startAtLogin', 'capturePaused', 'logLevel'] as const;
export const LOG_LEVEL_NAMES = ['error', 'warn', 'info', 'debug'] as const;
export const Settings = z.object({
  updateChannel: z.enum(['stable', 'beta', 'pilot']),
  startAtLogin: z.boolean(),
  capturePaused: z.boolean(),
  logLevel: z.enum(LOG_LEVEL_NAMES),
});
export type Settings = z.infer<typeof Settings>;
export const SettingChange = z.discriminatedUnion('key', [
  z.object({ key: z.literal('updateChannel'), value: Settings.shape.updateChannel }),
  z.object({ key: z.literal('startAtLogin'), value: z.boolean() }),
  z.object({ key: z.literal('capturePaused'), value: z.boolean() }),
  z.object({ key: z.literal('logLevel'), value: Settings.shape.logLevel }),
]);
export type SettingChange = z.infer<typeof SettingChange>;

export const DoctorView = z.object({
  ok: z.boolean(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string(), fix: z.string().nullable() })),
});

// ------------------------------------------------------------------ the requests

const Paging = {
  /** Opaque: the `nextCursor` of the previous page; absent for the first page. */
  cursor: z.string().nullable().optional(),
  limit: z.number().int().min(1).max(500).default(100),
};

export const REQUESTS = {
  status: { input: Empty, output: StatusView },

  'pairing.start': { input: z.object({ deviceName: z.string().min(1).max(64).optional() }).strict(), output: PairingView },
  'pairing.status': { input: Empty, output: PairingView },
  'pairing.cancel': { input: Empty, output: PairingView },
  'pairing.unpair': { input: Empty, output: z.object({ wasPaired: z.boolean(), revoked: z.boolean() }) },

  'devices.list': { input: Empty, output: z.object({ devices: z.array(DeviceEntry) }) },
  'devices.detect': {
    input: Empty,
    output: z.object({ serial: z.array(DetectedSerialPort), hid: z.array(DetectedHidDevice), problems: z.array(z.string()) }),
  },
  'devices.add': { input: z.object({ device: DeviceSettings }).strict(), output: z.object({ device: DeviceSettings }) },
  'devices.update': { input: z.object({ id: z.string().min(1), device: DeviceSettings }).strict(), output: z.object({ device: DeviceSettings }) },
  'devices.remove': { input: z.object({ id: z.string().min(1) }).strict(), output: z.object({ removed: z.string() }) },
  'devices.test': {
    input: z.object({ id: z.string().min(1).optional(), device: DeviceSettings.optional(), timeoutMs: z.number().int().min(100).max(30_000).default(3000) }).strict(),
    output: z.object({ ok: z.boolean(), status: z.string(), detail: z.string(), bytes: z.number().int().nonnegative() }),
  },
  'devices.autoBaud': {
    input: z.object({ path: z.string().min(1), sampleMs: z.number().int().min(100).max(10_000).default(1500) }).strict(),
    output: z.object({
      baud: z.number().int().nullable(),
      score: z.number(),
      reason: z.string(),
      samples: z.array(z.object({ baud: z.number().int(), bytes: z.number().int().nonnegative(), score: z.number() })),
    }),
  },
  /** The OS print queues; `problem` says why they could not be listed (no print server). */
  'devices.queues': { input: Empty, output: z.object({ queues: z.array(PrintQueueView), problem: z.string().nullable() }) },
  /** "Take over": the bridge stands in front of the queue (its original settings saved first); the new virtual printer device is returned. */
  'devices.takeover': {
    input: z.object({ queue: QueueName, id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a device id is 1–64 letters, digits, "_", "." or "-"').optional() }).strict(),
    /** `watchdog`: whether the OS service that gives the queue back while the bridge is down is installed, in a sentence. */
    output: z.object({ device: DeviceSettings, queue: z.string(), passThrough: z.string(), watchdog: z.object({ ok: z.boolean(), message: z.string() }) }),
  },
  /** Gives a taken-over queue back to its printer exactly as it was and removes its device. */
  'devices.release': { input: z.object({ id: z.string().min(1).max(64) }).strict(), output: z.object({ released: z.string(), queue: z.string(), port: z.string() }) },
  /** The last receipt the device captured, drawn and parsed; `receipt` null until it captures one. */
  'devices.preview': { input: z.object({ deviceId: z.string().min(1) }).strict(), output: z.object({ deviceId: z.string(), receipt: ReceiptDetail.nullable() }) },

  'receipts.list': {
    input: z
      .object({
        states: z.array(ReceiptState).optional(),
        deviceId: z.string().min(1).optional(),
        /** Captured at or after (ISO instant). */
        from: Instant.optional(),
        /** Captured before (ISO instant). */
        to: Instant.optional(),
        /** Substring of the printed receipt number. */
        receiptNumber: z.string().min(1).max(64).optional(),
        ...Paging,
      })
      .strict(),
    output: z.object({ rows: z.array(ReceiptSummary), nextCursor: z.string().nullable(), total: z.number().int().nonnegative() }),
  },
  'receipts.get': { input: z.object({ id: z.string().min(1) }).strict(), output: ReceiptDetail },
  'receipts.retry': { input: z.object({ id: z.string().min(1) }).strict(), output: ReceiptSummary },
  'receipts.reprocess': { input: z.object({ id: z.string().min(1), profile: z.string().min(1).optional() }).strict(), output: ReceiptSummary },

  'profiles.list': { input: Empty, output: z.object({ profiles: z.array(ProfileEntry) }) },
  'profiles.get': { input: z.object({ name: z.string().min(1) }).strict(), output: z.object({ name: z.string(), source: z.enum(['builtin', 'user']), text: z.string() }) },
  /** Saves a user profile (`name@version`) after validating it; `issues` non-empty means nothing was saved. */
  'profiles.save': {
    input: z.object({ name: z.string().min(1), text: z.string().max(256 * 1024) }).strict(),
    output: z.object({ saved: z.boolean(), name: z.string(), issues: z.array(ProfileIssue) }),
  },
  /** Parses captured receipts with a profile that is not saved yet: which would parse, which would go to review. */
  'profiles.try': {
    input: z
      .object({
        text: z.string().max(256 * 1024),
        ids: z.array(z.string().min(1)).max(200).optional(),
        deviceId: z.string().min(1).optional(),
        limit: z.number().int().min(1).max(200).default(20),
      })
      .strict(),
    output: z.object({ issues: z.array(ProfileIssue), results: z.array(ProfileTryResult) }),
  },

  'settings.get': { input: Empty, output: Settings },
  'settings.set': { input: SettingChange, output: Settings },

  /** The update loop's state (null when the loop is off). */
  'update.status': { input: Empty, output: z.object({ update: UpdateView.nullable() }) },
  /** Checks the feed now and downloads a newer version in the background of the answer. */
  'update.check': { input: Empty, output: z.object({ update: UpdateView.nullable() }) },
  /** "Restart to update": installs the downloaded version now; `installing` false says why not. */
  'update.install': {
    input: Empty,
    output: z.object({ installing: z.boolean(), reason: z.enum(['merchant_asked', 'in_window', 'nothing_downloaded', 'outside_window', 'receipt_recent', 'batch_in_flight', 'updates_off']), version: z.string().nullable() }),
  },

  doctor: { input: Empty, output: DoctorView },
  /** Writes the redacted diagnostics bundle into the data dir and says where. */
  'diagnostics.export': { input: Empty, output: z.object({ path: z.string(), bytes: z.number().int().nonnegative() }) },

  'capture.pause': { input: Empty, output: z.object({ capturePaused: z.boolean() }) },
  'capture.resume': { input: Empty, output: z.object({ capturePaused: z.boolean() }) },
  'sync.now': { input: Empty, output: z.object({ pending: z.number().int().nonnegative() }) },
} as const;

export type Channel = keyof typeof REQUESTS;
export const CHANNELS = Object.keys(REQUESTS) as Channel[];
export type Input<C extends Channel> = z.input<(typeof REQUESTS)[C]['input']>;
export type Output<C extends Channel> = z.output<(typeof REQUESTS)[C]['output']>;

// ------------------------------------------------------------------ the events

export const ReceiptEventView = z.object({
  id: z.string(),
  deviceId: z.string(),
  state: ReceiptState,
  duplicate: z.boolean(),
  irn: z.string().nullable(),
  problems: z.array(Problem),
  at: Instant,
});
export type ReceiptEventView = z.infer<typeof ReceiptEventView>;

export const EVENTS = {
  /** The whole status, whenever it changes (at most a few times a second). */
  status: StatusView,
  /** A receipt was captured or changed state. */
  receipt: ReceiptEventView,
  /** An alert was raised; `notify` says whether to show a desktop notification. */
  alert: AlertView,
  /** Pairing moved on (code shown, approved, denied, expired). */
  pairing: PairingView,
  /** One device's state changed. */
  device: DeviceStatusView,
} as const;

export type EventName = keyof typeof EVENTS;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];
export type EventPayload<E extends EventName> = z.output<(typeof EVENTS)[E]>;

// ------------------------------------------------------------------ the API and its errors

/** What every failed request rejects with: a stable code, the field at fault (for a bad request), a message saying what to do. */
export const ApiErrorShape = z.object({ code: z.string(), message: z.string(), field: z.string().nullable() });
export type ApiErrorShape = z.infer<typeof ApiErrorShape>;

export class BridgeApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'BridgeApiError';
  }
  toShape(): ApiErrorShape {
    return { code: this.code, message: this.message, field: this.field };
  }
}

/** An IPC answer: errors travel as data because Electron drops an Error's own properties. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiErrorShape };

export interface BridgeApi {
  invoke<C extends Channel>(channel: C, input: Input<C>): Promise<Output<C>>;
  /** Returns the function that removes the listener. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** The IPC channel names the shell registers: one per request, one for events. */
export const IPC_PREFIX = 'bridge:';
export const ipcChannel = (channel: Channel): string => `${IPC_PREFIX}${channel}`;
export const IPC_EVENT_CHANNEL = 'bridge:event';

/** Where the renderer finds the API (`window.taxpoynt`), set by preload/index.ts or by the e2e harness. */
export const API_GLOBAL = 'taxpoynt';
