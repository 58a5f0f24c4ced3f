// The read models the app shows: receipt pages (filters, cursor), receipt detail with its paper, today's figures, the status view.
import QRCode from 'qrcode';
import type { Db } from '../store/database.js';
import { BY_ID, type OutboxState, type PictureWords, type Problem, type Store, type StoredJob } from '../store/index.js';
import { decode } from '../escpos/index.js';
import { encodePng } from '../escpos/page.js';
import { picturesToRead } from '../ocr/index.js';
import type { DecodedReceipt } from '../escpos/types.js';
import type { AgentInfo } from '../cloud/index.js';
import type {
  AlertView,
  BusinessView,
  CloudView,
  DeviceStatusView,
  EngineView,
  OverallState,
  PairingView,
  PaperView,
  QrMatrix,
  ReceiptDetail,
  ReceiptSummary,
  StatusView,
} from '../../preload/api.js';
import type { BridgeStatus } from './bridge.js';

export interface ReceiptQuery {
  states?: OutboxState[];
  deviceId?: string;
  from?: string;
  to?: string;
  receiptNumber?: string;
  cursor?: string | null;
  limit: number;
}

interface SummaryRow {
  seq: number;
  id: string;
  device_id: string;
  state: OutboxState;
  receipt_number: string | null;
  issued_at: string | null;
  total: string | null;
  tax: string | null;
  problems_json: string;
  last_error: string | null;
  irn: string | null;
  created_at: string;
  updated_at: string;
}

const SUMMARY_COLUMNS = `seq, id, device_id, state, receipt_number,
  json_extract(tx_json, '$.issued_at') AS issued_at,
  json_extract(tx_json, '$.totals.total') AS total,
  json_extract(tx_json, '$.totals.tax') AS tax,
  problems_json, last_error, irn, created_at, updated_at`;

/** Receipt-number matches up to this many are fetched by id; more (a one-character search) fall back to a scan. */
const NUMBER_MATCHES_INLINE = 5000;

/** A money string "1234.50" as kobo in SQL: the wire format always has two places, so dropping the point is exact. */
const KOBO = (expr: string) => `CAST(replace(${expr}, '.', '') AS INTEGER)`;

export function formatKoboText(kobo: number): string {
  const sign = kobo < 0 ? '-' : '';
  const abs = Math.abs(kobo);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function reasonOf(state: OutboxState, problems: Problem[], lastError: string | null): string | null {
  if (state === 'accepted' || state === 'duplicate') return null;
  if (problems.length) return problems.map((p) => p.message).join('; ');
  return lastError;
}

function summary(row: SummaryRow): ReceiptSummary {
  const problems = JSON.parse(row.problems_json) as Problem[];
  return {
    id: row.id,
    deviceId: row.device_id,
    state: row.state,
    receiptNumber: row.receipt_number,
    issuedAt: row.issued_at,
    total: row.total,
    vat: row.tax,
    reason: reasonOf(row.state, problems, row.last_error),
    irn: row.irn,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Local midnight of the day `now` falls in, as an ISO instant (the store writes ISO UTC, which sorts as text). */
export function startOfDay(now: Date): string {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

function baseDeviceId(deviceId: string): string {
  const hash = deviceId.indexOf('#');
  return hash === -1 ? deviceId : deviceId.slice(0, hash);
}

/** Queries over the store's connection the Store itself does not offer: pages newest first by seq, fast at 100,000 rows. */
export class ReceiptsView {
  private readonly db: Db;
  private todayCache: { at: number; key: string; value: TodayFigures } | null = null;

  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.db = store.connection;
    // The filters' indexes (device, date, receipt number) come from store migration 4.
  }

  list(query: ReceiptQuery): { rows: ReceiptSummary[]; nextCursor: string | null; total: number } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.states?.length) {
      where.push(`state IN (${query.states.map(() => '?').join(', ')})`);
      args.push(...query.states);
    }
    if (query.deviceId) {
      where.push(`(device_id = ? OR substr(device_id, 1, ?) = ?)`);
      args.push(query.deviceId, query.deviceId.length + 1, `${query.deviceId}#`);
    }
    if (query.from) {
      where.push('created_at >= ?');
      args.push(new Date(query.from).toISOString());
    }
    if (query.to) {
      where.push('created_at < ?');
      args.push(new Date(query.to).toISOString());
    }
    if (query.receiptNumber) {
      // Matches inside the receipt number (a column of its own), found by scanning its index (short strings) rather than the rows.
      const seqs = (
        this.db
          .prepare(`SELECT seq FROM outbox INDEXED BY receipts_view_outbox_number WHERE instr(lower(receipt_number), ?) > 0`)
          .all(query.receiptNumber.toLowerCase()) as Array<{ seq: number }>
      ).map((r) => r.seq);
      if (seqs.length <= NUMBER_MATCHES_INLINE) {
        where.push(seqs.length ? `seq IN (${seqs.join(', ')})` : '0');
      } else {
        where.push(`instr(lower(receipt_number), ?) > 0`);
        args.push(query.receiptNumber.toLowerCase());
      }
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    // Filtered by state alone (the default page, "pending"): the counts the triggers keep, not a count of 1,000,000 rows.
    const byStateOnly = !query.deviceId && !query.from && !query.to && !query.receiptNumber;
    const counts = byStateOnly ? this.store.counts() : null;
    const total = counts
      ? (query.states?.length ? [...new Set(query.states)] : (Object.keys(counts) as OutboxState[])).reduce((n, s) => n + (counts[s] ?? 0), 0)
      : (this.db.prepare(`SELECT count(*) AS n FROM outbox ${filter}`).get(...args) as { n: number }).n;
    const cursor = query.cursor ? Number.parseInt(query.cursor, 36) : null;
    const pageWhere = [...where];
    const pageArgs = [...args];
    if (cursor !== null && Number.isFinite(cursor)) {
      pageWhere.push('seq < ?');
      pageArgs.push(cursor);
    }
    const pageFilter = pageWhere.length ? `WHERE ${pageWhere.join(' AND ')}` : '';
    const rows = this.db
      .prepare(`SELECT ${SUMMARY_COLUMNS} FROM outbox ${pageFilter} ORDER BY seq DESC LIMIT ?`)
      .all(...pageArgs, query.limit + 1) as SummaryRow[];
    const more = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    return { rows: page.map(summary), nextCursor: more ? page[page.length - 1]!.seq.toString(36) : null, total };
  }

  summary(id: string): ReceiptSummary | null {
    const row = this.db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM outbox WHERE ${BY_ID}`).get({ id }) as SummaryRow | undefined;
    return row ? summary(row) : null;
  }

  /** The newest receipt a device (or one of its lanes) captured. */
  lastOf(deviceId: string): string | null {
    const row = this.db
      .prepare(`SELECT id FROM outbox WHERE device_id = ? OR substr(device_id, 1, ?) = ? ORDER BY seq DESC LIMIT 1`)
      .get(deviceId, deviceId.length + 1, `${deviceId}#`) as { id: string } | undefined;
    return row?.id ?? null;
  }

  async detail(id: string): Promise<ReceiptDetail | null> {
    const s = this.summary(id);
    const row = this.store.get(id);
    if (!s || !row) return null;
    const job = this.store.readJournal(id);
    return {
      summary: s,
      paper: job ? { ...(await paperOf(job)), ...readOf(this.store.pictureWords(id)) } : null,
      transaction: row.transaction ? (row.transaction as unknown as Record<string, unknown>) : null,
      problems: row.problems,
      history: this.store.history(id),
      irn: row.irn,
      attempts: row.attempts,
      lastError: row.lastError,
      capture: job
        ? { capturedAt: job.capturedAt, bytes: job.bytes.byteLength, sha256: job.sha256, integration: job.integration, profile: job.profile ?? null, codepage: job.codepage ?? null }
        : null,
      canRetry: row.state === 'rejected',
      canReprocess: row.state === 'review' || row.state === 'unparsed' || row.state === 'rejected',
    };
  }

  /** A receipt arrived or moved: the next `today()` reads the database again. */
  invalidate(): void {
    this.todayCache = null;
  }

  /** Today's receipts and money, overall and per device; cached for a second (the status ticks often). */
  today(): TodayFigures {
    const now = this.now();
    const key = startOfDay(now);
    if (this.todayCache && this.todayCache.key === key && now.getTime() - this.todayCache.at < 1000) return this.todayCache.value;
    const rows = this.db
      .prepare(
        `SELECT device_id, count(*) AS n,
           sum(state IN ('accepted', 'duplicate')) AS accepted,
           sum(CASE WHEN state IN ('review', 'unparsed') THEN 0 ELSE coalesce(${KOBO("json_extract(tx_json, '$.totals.total')")}, 0) END) AS total,
           sum(CASE WHEN state IN ('review', 'unparsed') THEN 0 ELSE coalesce(${KOBO("json_extract(tx_json, '$.totals.tax')")}, 0) END) AS tax,
           max(created_at) AS last
         FROM outbox INDEXED BY receipts_view_outbox_created WHERE created_at >= ? GROUP BY device_id`,
      )
      .all(key) as Array<{ device_id: string; n: number; accepted: number; total: number; tax: number; last: string }>;
    // The newest row per device from the (device_id, seq) index, then its time: no scan of the rows themselves.
    const lastEver = this.db
      .prepare(`SELECT o.device_id, o.created_at AS last FROM (SELECT device_id, max(seq) AS seq FROM outbox INDEXED BY receipts_view_outbox_device GROUP BY device_id) m JOIN outbox o ON o.seq = m.seq`)
      .all() as Array<{ device_id: string; last: string }>;
    const value: TodayFigures = { receipts: 0, accepted: 0, totalKobo: 0, vatKobo: 0, byDevice: new Map() };
    for (const r of lastEver) {
      const id = baseDeviceId(r.device_id);
      const d = value.byDevice.get(id) ?? { receipts: 0, last: null };
      if (!d.last || r.last > d.last) d.last = r.last;
      value.byDevice.set(id, d);
    }
    for (const r of rows) {
      value.receipts += r.n;
      value.accepted += r.accepted;
      value.totalKobo += r.total;
      value.vatKobo += r.tax;
      const d = value.byDevice.get(baseDeviceId(r.device_id))!;
      d.receipts += r.n;
    }
    this.todayCache = { at: now.getTime(), key, value };
    return value;
  }
}

export interface TodayFigures {
  receipts: number;
  accepted: number;
  totalKobo: number;
  vatKobo: number;
  byDevice: Map<string, { receipts: number; last: string | null }>;
}

export function qrMatrix(data: string): QrMatrix {
  const qr = QRCode.create(data, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const rows: string[] = [];
  for (let y = 0; y < size; y++) {
    let row = '';
    for (let x = 0; x < size; x++) row += qr.modules.get(x, y) ? '1' : '0';
    rows.push(row);
  }
  return { data, size, rows };
}

/** The journaled bytes decoded again as the printer drew them (the same receipt the parser read). */
export async function paperOf(job: StoredJob): Promise<PaperView> {
  const receipts = decode(job.bytes, job.codepage ? { codepage: job.codepage } : undefined);
  const first: DecodedReceipt | undefined = receipts.find((r) => r.lines.some((l) => l.text.trim() !== '')) ?? receipts[0];
  if (!first) return { width: 42, lines: [], qr: [], barcodes: [], warnings: ['the printer data held no printed receipt'] };
  const longest = first.lines.reduce((n, l) => Math.max(n, l.text.length * (l.style.doubleWidth ? 2 : 1)), 0);
  const width = longest <= 32 ? 32 : longest <= 42 ? 42 : longest <= 48 ? 48 : longest;
  const qr: QrMatrix[] = [];
  for (const data of first.qr) {
    try {
      qr.push(qrMatrix(data));
    } catch {
      // A payload too long to redraw: the paper still shows its text lines.
    }
  }
  // Pictures that hold text are drawn as printed (a logo has no dots in the job to draw).
  const pictures = picturesToRead(first).map((p) => ({ line: p.line, width: p.width, height: p.height, png: `data:image/png;base64,${Buffer.from(encodePng(p)).toString('base64')}` }));
  return {
    width,
    lines: first.lines.map((l) => ({ text: l.text, ...l.style })),
    qr,
    barcodes: first.barcodes,
    warnings: first.warnings.map((w) => w.message),
    ...(pictures.length ? { pictures } : {}),
  };
}

/** The text read from a receipt's pictures, for the paper view: its lines in order, words with their confidence. */
function readOf(words: PictureWords | null): Pick<PaperView, 'read'> {
  return words ? { read: words.lines.map((l) => ({ words: l.words })) } : {};
}

// ------------------------------------------------------------------ the status view

export function businessView(agent: AgentInfo | null): BusinessView | null {
  return agent ? { name: agent.business_name, tin: agent.tin, location: agent.location_name, businessId: agent.business_id } : null;
}

export function cloudView(cloud: BridgeStatus['cloud']): CloudView {
  const offline = cloud.state === 'breaker_open' || cloud.state === 'backing_off';
  const rateLimited = cloud.state === 'rate_limited';
  const nextRetryAt = offline ? cloud.backoffUntil : rateLimited ? (cloud.pace.retryAfterUntil ?? cloud.pace.rateResetAt) : null;
  return {
    paired: cloud.paired,
    business: businessView(cloud.business),
    state: cloud.state,
    offline,
    rateLimited,
    lastSyncAt: cloud.lastSyncAt,
    lastError: cloud.lastError,
    nextRetryAt: nextRetryAt ?? null,
  };
}

export function deviceView(d: BridgeStatus['devices'][number], today: TodayFigures): DeviceStatusView {
  const figures = today.byDevice.get(d.deviceId);
  return {
    id: d.deviceId,
    kind: d.kind,
    status: d.status,
    detail: d.detail,
    connected: d.status === 'connected' || d.status === 'listening',
    lastReceiptAt: figures?.last ?? d.lastDataAt,
    receiptsToday: figures?.receipts ?? 0,
    jobs: d.jobs,
    bytes: d.bytes,
    baud: d.baud ? { rate: d.baud.rate, source: d.baud.source, ...(d.baud.score !== undefined ? { score: d.baud.score } : {}) } : null,
    passThrough: d.kind === 'virtual_printer' ? (d.printer ?? 'none') : null,
    queuedBytes: d.queuedBytes ?? null,
    lanes: d.lanes ?? [],
    endpoint: d.endpoint ?? null,
    silentSince: d.silentSince,
    error: d.error,
  };
}

const clock = (iso: string | null) => (iso ? new Date(iso).toTimeString().slice(0, 5) : null);

/** One overall state and one sentence saying what to do, in the order a merchant should act on them. */
export function overall(view: Omit<StatusView, 'state' | 'headline'>): { state: OverallState; headline: string } {
  if (view.engine.state === 'restarting') {
    return { state: 'restarting', headline: 'The bridge engine stopped and is restarting; receipts printed meanwhile are kept by the printer port and captured when it is back.' };
  }
  if (view.engine.state === 'attention') {
    return { state: 'attention', headline: view.engine.message ?? 'The bridge engine keeps crashing: export diagnostics from the Diagnostics screen and contact TaxPoynt support.' };
  }
  if (view.capturePaused) return { state: 'paused', headline: 'Capture is paused: receipts printed now are not recorded. Resume capture to record them again.' };
  const c = view.cloud;
  if (c.state === 'pairing_lost') {
    const waiting = view.outbox.pending > 0 ? ` ${view.outbox.pending} receipt(s) are kept and go out once it is approved.` : '';
    return { state: 'attention', headline: `Pairing lost: TaxPoynt no longer accepts this bridge. Pair again from the Pairing screen.${waiting}` };
  }
  if (!c.paired || c.state === 'not_paired') return { state: 'attention', headline: 'This bridge is not paired yet: open Pairing and approve the code in your TaxPoynt dashboard.' };
  if (c.state === 'killed' || c.state === 'disabled') return { state: 'attention', headline: 'TaxPoynt has paused sending from this bridge; receipts are kept. Contact TaxPoynt support.' };
  const broken = view.devices.find((d) => d.status === 'error' || d.status === 'disconnected');
  if (broken) return { state: 'attention', headline: `${broken.id}: ${broken.detail}` };
  const storeError = view.alerts.find((a) => a.severity === 'error');
  if (storeError) return { state: 'attention', headline: storeError.message };
  if (c.offline) {
    const next = clock(c.nextRetryAt);
    return {
      state: 'offline',
      headline: `The TaxPoynt cloud cannot be reached; ${view.outbox.pending} receipt(s) are kept safely and sent when it is back${next ? ` (next try at ${next})` : ''}.`,
    };
  }
  if (view.outbox.review > 0) return { state: 'attention', headline: `${view.outbox.review} receipt(s) do not add up and wait for review: open Receipts, fix the profile and reprocess.` };
  if (view.outbox.rejected > 0) return { state: 'attention', headline: `${view.outbox.rejected} receipt(s) were rejected by the tax platform: open Receipts to see why and retry.` };
  const silent = view.devices.find((d) => d.silentSince);
  if (silent) return { state: 'attention', headline: `${silent.id} has printed nothing since ${clock(silent.silentSince)}: check the till is on and the cable is in.` };
  if (c.rateLimited) return { state: 'ok', headline: `Receipts are captured; sending is slowed down by the cloud${c.nextRetryAt ? ` until ${clock(c.nextRetryAt)}` : ''}.` };
  if (view.devices.length === 0) return { state: 'attention', headline: 'No device is set up yet: open Devices and add the till printer.' };
  return { state: 'ok', headline: 'All receipts are being captured and sent to TaxPoynt.' };
}

export function statusView(input: {
  bridge: BridgeStatus;
  today: TodayFigures;
  alerts: AlertView[];
  pairing: PairingView;
  engine: EngineView;
  agent: AgentInfo | null;
}): StatusView {
  const b = input.bridge;
  const counts = b.outbox.counts;
  const cloud = cloudView(b.cloud);
  if (!cloud.business && input.agent) cloud.business = businessView(input.agent);
  const base: Omit<StatusView, 'state' | 'headline'> = {
    version: b.version,
    startedAt: b.startedAt,
    updatedAt: b.updatedAt,
    capturePaused: b.capturePaused,
    engine: input.engine,
    devices: b.devices.map((d) => deviceView(d, input.today)),
    outbox: {
      counts,
      pending: counts.pending + counts.in_flight,
      review: counts.review + counts.unparsed,
      rejected: counts.rejected,
      oldestPendingAgeS: b.outbox.oldestPendingAgeS,
      buffered: b.outbox.buffered,
    },
    cloud,
    today: { receipts: input.today.receipts, accepted: input.today.accepted, total: formatKoboText(input.today.totalKobo), vat: formatKoboText(input.today.vatKobo) },
    alerts: input.alerts,
    pairing: input.pairing,
  };
  return { ...overall(base), ...base };
}
