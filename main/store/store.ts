// The journal and the outbox over one encrypted connection: one writer, prepared statements, a memory buffer for a full disk.
import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3-multiple-ciphers';
import { transactionId, type Integration, type Transaction } from '../receipts/transaction.js';
import type { Logger } from '../telemetry/log.js';
import { redactText } from '../telemetry/redact.js';
import { packBytes, toBuffer, unpackBytes, type PackedBytes } from './bytes.js';
import type { Checkpointer } from './checkpointer.js';
import { isDiskFull, type Db } from './database.js';
import { CaptureBufferFull, InvalidStateChange, OutboxRowNotFound, type StoreAlert } from './errors.js';
import { checkIntegrity } from './migrations.js';
import { BY_ID, IdFilter, idIn, keyOf, mergeRecentIds, RECENT_IDS_MAX, recentIdCount } from './ids.js';
import { OUTBOX_STATES, type ForwardQueue, type JournalEntry, type OutboxRow, type OutboxState, type ParsedJob, type PictureWords, type Problem, type ReceiptRange } from './types.js';

/** A captured job as the journal receives it. */
export interface JournalInput {
  deviceId: string;
  integration: Integration;
  bytes: Uint8Array;
  capturedAt: string;
  codepage?: string;
  profile?: string;
  terminalId?: string;
  /** The source address of the virtual-printer lane that printed it (transaction `source.address`); not part of the id. */
  address?: string;
  /** The capture stream this job was cut from and the offset it ends at: its staged bytes are released in the same commit. */
  consumes?: { stream: string; end: number };
}

/** Bytes read from a device stream, staged durably before the receipt they belong to is complete. */
export interface StagedChunk {
  stream: string;
  deviceId: string;
  integration: Integration;
  /** Offset of the chunk's first byte in its stream. */
  start: number;
  bytes: Uint8Array;
  at: string;
  /** The lane's source address (virtual printer over TCP). */
  address?: string;
}

/** What a stream left staged: the bytes of receipts not journaled when the bridge stopped, in order. */
export interface StagedStream {
  stream: string;
  deviceId: string;
  integration: Integration;
  capturedAt: string;
  bytes: Buffer;
  /** Bytes missing between staged chunks (a staging write that failed, e.g. on a full disk). */
  gaps: number;
  address?: string;
}

export interface JournalResult {
  /** The job's id (transactionId of its bytes; its transaction's id too when it holds one receipt). */
  id: string;
  /** The job's journal row; null while it is held in memory (disk full) or when it was stored before. */
  seq: number | null;
  sha256: string;
  /** The same device sent the same bytes before: stored once. */
  duplicate: boolean;
  /** The disk is full: the job is held in memory and written out when space returns (not yet durable). */
  buffered: boolean;
}

/** A journal entry with the decoding options it was captured with (needed to parse it again). */
export interface StoredJob extends JournalEntry {
  codepage?: string;
  profile?: string;
  terminalId?: string;
  /** The source address of the lane that printed it (virtual printer over TCP). */
  address?: string;
  /** The journal row (absent for a job held in memory). */
  seq?: number;
  /** Set when these bytes are one receipt of the journaled job: where they lie in it. */
  receipt?: ReceiptRange;
}

/** What recording a receipt's parse did: its row's state, and whether the row was there before. */
export interface RecordedReceipt {
  id: string;
  state: OutboxState;
  duplicate: boolean;
}

export interface HistoryEntry {
  from: OutboxState | null;
  to: OutboxState;
  at: string;
  note: string | null;
}

export interface BufferLimits {
  jobs: number;
  bytes: number;
}

interface JournalRecord extends StoredJob {
  journaledAt: string;
  packed: PackedBytes;
  consumes?: { stream: string; end: number };
}

interface OutboxDbRow {
  seq: number;
  id: string;
  journal_seq: number;
  byte_start: number;
  byte_end: number;
  receipt_index: number;
  codepage: string | null;
  device_id: string;
  state: OutboxState;
  tx_json: string | null;
  problems_json: string;
  attempts: number;
  last_error: string | null;
  irn: string | null;
  created_at: string;
  updated_at: string;
}

interface JournalDbRow {
  seq: number;
  device_id: string;
  integration: Integration;
  captured_at: string;
  journaled_at: string;
  sha256: string;
  size: number;
  encoding: number;
  codepage: string | null;
  profile: string | null;
  terminal_id: string | null;
  address: string | null;
  bytes: Buffer;
}

const TERMINAL: ReadonlySet<OutboxState> = new Set(['accepted', 'duplicate']);
const REPARSABLE: ReadonlySet<OutboxState> = new Set(['review', 'unparsed', 'reading']);
const PURGE_CHUNK = 500;
const FLUSH_INTERVAL_MS = 5000;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class Store implements ForwardQueue {
  private readonly s: Record<string, Statement>;
  private readonly buffer = new Map<string, { entry: JournalRecord; parsed?: ParsedJob[] }>();
  private bufferBytes = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly memoryAlerts: StoreAlert[] = [];
  private closed = false;
  private workerClosed: Promise<void> = Promise.resolve();
  /**
   * Jobs journaled whose parse is not recorded yet, by job id (few: a commit's worth, or what a crash
   * left): dedup of a job sent twice before its parse, and the job a ParsedJob without a seq belongs to.
   */
  private readonly awaiting = new Map<string, number>();
  private readonly awaitingIds = new Map<number, { id: string; size: number }>();
  /** What the write transaction under way added to and settled in `awaiting`. */
  private pendingAwaiting: { added: string[]; done: number[] } | null = null;
  /** Rows this process claimed, by id: the cloud answers by id, the row is updated by its integer key. */
  private readonly flying = new Map<string, number>();
  /** Ids in the recent run (main/store/ids.ts): merged into the large run inside the commit that reaches RECENT_IDS_MAX. */
  private recentIds: number;
  /** Which keys the large id run may hold: empty until its first refresh (at the first write that needs it) loads it. */
  private readonly idFilter = new IdFilter();
  /** The write transaction (its pendingAwaiting record) in which idFilter was last checked against the database. */
  private filterCheckedIn: object | null = null;

  constructor(
    private readonly db: Db,
    readonly file: string,
    private readonly log: Logger,
    private readonly clock: () => Date,
    private readonly limits: BufferLimits,
    private readonly checkpointer?: Checkpointer,
  ) {
    this.s = {
      journal: db.prepare(
        `INSERT INTO journal (device_id, integration, captured_at, journaled_at, sha256, size, encoding, codepage, profile, terminal_id, address, bytes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      awaitingRows: db.prepare('SELECT seq, device_id, size, encoding, bytes FROM journal WHERE parsed = 0 ORDER BY seq'),
      awaitingCount: db.prepare('SELECT count(*) AS n FROM journal WHERE parsed = 0'),
      markParsed: db.prepare('UPDATE journal SET parsed = 1 WHERE seq = ? AND parsed = 0'),
      parseAttempt: db.prepare('UPDATE journal SET parse_attempts = parse_attempts + 1 WHERE seq = ? RETURNING parse_attempts AS attempts'),
      readJournal: db.prepare('SELECT * FROM journal WHERE seq = ?'),
      deviceOf: db.prepare('SELECT device_id FROM journal WHERE seq = ?'),
      jobSize: db.prepare('SELECT size FROM journal WHERE seq = ?'),
      journalReferenced: db.prepare('SELECT 1 FROM outbox WHERE journal_seq = ? LIMIT 1'),
      dropJournal: db.prepare('DELETE FROM journal WHERE seq = ?'),
      insertOutbox: db.prepare(
        `INSERT INTO outbox (id, journal_seq, receipt_index, byte_start, byte_end, codepage, device_id, state, receipt_number, tx_json, problems_json, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      reparse: db.prepare(
        `UPDATE outbox SET state = ?, tx_json = ?, receipt_number = ?, problems_json = ?, ocr_json = ?, last_error = NULL, updated_at = ? WHERE seq = ?`,
      ),
      get: db.prepare(`SELECT * FROM outbox WHERE ${BY_ID}`),
      inRecentRun: db.prepare(`SELECT 1 FROM outbox WHERE ${idIn('outbox_ids_recent')}`),
      inMergedRun: db.prepare(`SELECT 1 FROM outbox WHERE ${idIn('outbox_ids')}`),
      keyOf: db.prepare(`SELECT seq, state FROM outbox WHERE ${BY_ID}`),
      stateAt: db.prepare('SELECT state FROM outbox WHERE seq = ?'),
      listAll: db.prepare('SELECT * FROM outbox ORDER BY seq DESC LIMIT ?'),
      listState: db.prepare('SELECT * FROM outbox WHERE state = ? ORDER BY seq LIMIT ?'),
      pictureWords: db.prepare(`SELECT ocr_json FROM outbox WHERE ${BY_ID}`),
      idsInState: db.prepare('SELECT seq, id FROM outbox WHERE state = ? AND seq > ? ORDER BY seq LIMIT ?'),
      history: db.prepare('INSERT INTO outbox_history (outbox_seq, from_state, to_state, at, note) VALUES (?, ?, ?, ?, ?)'),
      readHistory: db.prepare(
        `SELECT from_state, to_state, at, note FROM outbox_history WHERE outbox_seq = (SELECT seq FROM outbox WHERE ${BY_ID}) ORDER BY seq`,
      ),
      claimable: db.prepare(`SELECT seq, id, tx_json FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?`),
      setState: db.prepare('UPDATE outbox SET state = ?, updated_at = ? WHERE seq = ?'),
      release: db.prepare(
        `UPDATE outbox SET state = 'pending', attempts = attempts + 1, last_error = ?, updated_at = ? WHERE seq = ? AND state = 'in_flight'`,
      ),
      settle: db.prepare(
        `UPDATE outbox SET state = ?, irn = coalesce(?, irn), problems_json = coalesce(?, problems_json), last_error = ?,
           attempts = attempts + 1, updated_at = ? WHERE seq = ? AND state IN ('in_flight', 'pending')`,
      ),
      retry: db.prepare(`UPDATE outbox SET state = 'pending', attempts = 0, last_error = NULL, updated_at = ? WHERE seq = ?`),
      inFlight: db.prepare(`SELECT seq FROM outbox WHERE state = 'in_flight'`),
      counts: db.prepare('SELECT state, n FROM outbox_counts'),
      countReal: db.prepare('SELECT state, count(*) AS n FROM outbox INDEXED BY outbox_state GROUP BY state'),
      setCount: db.prepare('INSERT INTO outbox_counts (state, n) VALUES (?, ?) ON CONFLICT (state) DO UPDATE SET n = excluded.n'),
      oldestPending: db.prepare(`SELECT created_at FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1`),
      purgeable: db.prepare(`SELECT seq, journal_seq, updated_at FROM outbox WHERE state = ? AND seq > ? ORDER BY seq LIMIT ${PURGE_CHUNK}`),
      // A job's bytes go only when every receipt in it is acknowledged and past the retention period.
      purgeHeldBack: db.prepare(`SELECT 1 FROM outbox WHERE journal_seq = ? AND (state NOT IN ('accepted', 'duplicate') OR updated_at >= ?) LIMIT 1`),
      receiptsOf: db.prepare('SELECT count(*) AS n FROM outbox WHERE journal_seq = ?'),
      alerts: db.prepare('SELECT code, severity, message, moved_to, raised_at FROM alerts WHERE resolved_at IS NULL ORDER BY seq'),
      raise: db.prepare('INSERT INTO alerts (code, severity, message, moved_to, raised_at) VALUES (?, ?, ?, ?, ?)'),
      resolve: db.prepare('UPDATE alerts SET resolved_at = ? WHERE code = ? AND resolved_at IS NULL'),
      stage: db.prepare('INSERT INTO capture_chunks (stream, device_id, integration, start, bytes, at, address) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      releaseWhole: db.prepare('DELETE FROM capture_chunks WHERE stream = ? AND start + length(bytes) <= ?'),
      // The chunk the job ends inside keeps only its unconsumed tail (substr on a BLOB counts bytes, from 1).
      releaseSplit: db.prepare(
        'UPDATE capture_chunks SET bytes = substr(bytes, @end - start + 1), start = @end WHERE stream = @stream AND start < @end AND start + length(bytes) > @end',
      ),
      staged: db.prepare('SELECT stream, device_id, integration, start, bytes, at, address FROM capture_chunks ORDER BY stream, start'),
      dropStream: db.prepare('DELETE FROM capture_chunks WHERE stream = ?'),
    };
    this.recentIds = recentIdCount(db);
    for (const row of this.s.awaitingRows!.iterate() as Iterable<{ seq: number; device_id: string; size: number; encoding: number; bytes: Buffer }>) {
      this.markAwaiting(transactionId(row.device_id, unpackBytes(row.bytes, row.encoding)), row.seq, row.size);
    }
  }

  private now(): string {
    return this.clock().toISOString();
  }

  // ---------------------------------------------------------------- start-up

  /**
   * Rows a crash left in_flight go back to pending (the cloud's idempotency makes the resend harmless).
   * Only for the process that owns the data dir: another one would take rows the running engine is sending.
   */
  resetInFlight(): number {
    const seqs = (this.s.inFlight!.all() as Array<{ seq: number }>).map((r) => r.seq);
    if (seqs.length === 0) return 0;
    const at = this.now();
    this.db.transaction(() => {
      for (const seq of seqs) {
        this.s.setState!.run('pending', at, seq);
        this.s.history!.run(seq, 'in_flight', 'pending', at, 'bridge restarted while sending');
      }
    })();
    this.log.info('in-flight transactions returned to pending', { count: seqs.length });
    return seqs.length;
  }

  // ---------------------------------------------------------------- journal

  /** Commits one captured job durably (synchronous=FULL) before anything parses it. */
  journal(input: JournalInput): JournalResult {
    return this.journalBatch([input])[0]!;
  }

  /** Commits captured jobs in one transaction; falls back to the memory buffer when the disk is full. */
  journalBatch(inputs: JournalInput[]): JournalResult[] {
    return this.commitBatch(inputs, []);
  }

  /**
   * One transaction for a batching capture loop: the new jobs' journal rows, and the outbox rows of
   * jobs journaled by an earlier commit and parsed since (journal before parse still holds for each job).
   * On a full disk the new jobs are held in memory; the parses are dropped and redone from the journal.
   */
  commitBatch(inputs: JournalInput[], parsed: ParsedJob[]): JournalResult[] {
    const journaledAt = this.now();
    const records = inputs.map((input) => journalRecord(input, journaledAt));
    if (this.buffer.size > 0) this.flushBuffer();
    if (this.buffer.size === 0) {
      try {
        return this.writeJournal(records, parsed, journaledAt);
      } catch (err) {
        if (!isDiskFull(err)) throw err;
        this.diskFull(err);
      }
    }
    return records.map((r) => this.hold(r));
  }

  private writeJournal(records: JournalRecord[], parsed: ParsedJob[], at: string): JournalResult[] {
    return this.transaction(() => {
      const out = this.insertRecords(records);
      this.insertReceipts(parsed, at);
      return out;
    });
  }

  /**
   * A write transaction that keeps the awaiting-parse map true: what it added is taken back and what it
   * settled is forgotten only once the commit is through.
   */
  private transaction<T>(fn: () => T): T {
    const added: string[] = [];
    const done: number[] = [];
    this.pendingAwaiting = { added, done };
    try {
      const out = this.db.transaction(fn)();
      for (const seq of done) this.forgetAwaiting(this.awaitingIds.get(seq)?.id);
      return out;
    } catch (err) {
      for (const id of added) this.forgetAwaiting(id);
      // What the rolled-back commit added to, or merged out of, the recent run is not there.
      this.recentIds = recentIdCount(this.db);
      throw err;
    } finally {
      this.pendingAwaiting = null;
    }
  }

  /** Journal rows inside the caller's transaction: each one new, or a duplicate of a job stored before. */
  private insertRecords(records: JournalRecord[]): JournalResult[] {
    return records.map((r) => {
      const seq = this.insertJournal(r);
      return { id: r.id, seq, sha256: r.sha256, duplicate: seq === null, buffered: false };
    });
  }

  /** The job's new journal row, or null when the same device sent the same bytes before (awaiting parse, or parsed into an outbox row). */
  private insertJournal(r: JournalRecord): number | null {
    if (r.consumes) this.releaseStaged(r.consumes.stream, r.consumes.end); // a savepoint: a failed release never fails the journal write
    if (this.awaiting.has(r.id) || this.storedId(r.id)) return null;
    const info = this.s.journal!.run(
      r.deviceId,
      r.integration,
      r.capturedAt,
      r.journaledAt,
      r.sha256,
      r.bytes.byteLength,
      r.packed.encoding,
      r.codepage ?? null,
      r.profile ?? null,
      r.terminalId ?? null,
      r.address ?? null,
      r.packed.stored,
    );
    const seq = Number(info.lastInsertRowid);
    this.markAwaiting(r.id, seq, r.bytes.byteLength);
    this.pendingAwaiting?.added.push(r.id);
    return seq;
  }

  private markAwaiting(id: string, seq: number, size: number): void {
    this.awaiting.set(id, seq);
    this.awaitingIds.set(seq, { id, size });
  }

  private forgetAwaiting(id: string | undefined): void {
    if (id === undefined) return;
    const seq = this.awaiting.get(id);
    this.awaiting.delete(id);
    if (seq !== undefined) this.awaitingIds.delete(seq);
  }

  // ---------------------------------------------------------------- capture staging

  /**
   * Commits bytes of unfinished receipts as they arrive, so a crash mid-receipt loses nothing. Never
   * throws: staging is a second copy, and on a full disk the capture path's memory buffer holds the job.
   */
  stage(chunks: StagedChunk[]): boolean {
    if (chunks.length === 0) return true;
    try {
      this.db.transaction(() => {
        for (const c of chunks) this.s.stage!.run(c.stream, c.deviceId, c.integration, c.start, toBuffer(c.bytes), c.at, c.address ?? null);
      })();
      return true;
    } catch (err) {
      this.log.warn('staging captured bytes failed; they are still captured in memory', { error: err as Error, chunks: chunks.length });
      return false;
    }
  }

  /** Releases a stream's staged bytes up to `end` (bytes the capture consumed without a job: a drawer kick after the cut). */
  releaseStaged(stream: string, end: number): void {
    try {
      this.db.transaction(() => this.releaseIn(stream, end))();
    } catch (err) {
      this.log.warn('releasing staged bytes failed; they are released at the next start', { error: err as Error });
    }
  }

  private releaseIn(stream: string, end: number): void {
    this.s.releaseWhole!.run(stream, end);
    this.s.releaseSplit!.run({ end, stream });
  }

  /** Every stream's staged bytes, in order: receipts a stopped bridge had read but not journaled. */
  stagedStreams(): StagedStream[] {
    const out: StagedStream[] = [];
    type Open = { s: StagedStream; parts: Buffer[]; next: number };
    let current: Open | undefined;
    const rows = this.s.staged!.iterate() as Iterable<{ stream: string; device_id: string; integration: Integration; start: number; bytes: Buffer; at: string; address: string | null }>;
    for (const row of rows) {
      if (current === undefined || current.s.stream !== row.stream) {
        if (current) out.push({ ...current.s, bytes: Buffer.concat(current.parts) });
        current = { s: { stream: row.stream, deviceId: row.device_id, integration: row.integration, capturedAt: row.at, bytes: Buffer.alloc(0), gaps: 0 }, parts: [], next: row.start };
        if (row.address !== null) current.s.address = row.address;
      }
      let bytes = row.bytes;
      if (row.start < current.next) bytes = bytes.subarray(Math.min(bytes.length, current.next - row.start)); // overlap: keep each byte once
      else current.s.gaps += row.start - current.next;
      current.parts.push(bytes);
      current.next = Math.max(current.next, row.start + row.bytes.length);
    }
    if (current) out.push({ ...current.s, bytes: Buffer.concat(current.parts) });
    return out;
  }

  /** Journals the bytes recovered from staged streams (one job per stream) and drops those streams' staging, in one commit. */
  journalRecovered(inputs: JournalInput[], streams: string[]): JournalResult[] {
    const at = this.now();
    const records = inputs.map((input) => journalRecord(input, at));
    return this.transaction(() => {
      const out = this.insertRecords(records);
      for (const stream of streams) this.s.dropStream!.run(stream);
      return out;
    });
  }

  private hold(r: JournalRecord): JournalResult {
    if (this.buffer.has(r.id) || this.awaiting.has(r.id) || this.storedId(r.id)) {
      return { id: r.id, seq: this.awaiting.get(r.id) ?? null, sha256: r.sha256, duplicate: true, buffered: this.buffer.has(r.id) };
    }
    if (this.buffer.size >= this.limits.jobs || this.bufferBytes + r.bytes.byteLength > this.limits.bytes) {
      this.raiseMemory({ code: 'capture_buffer_full', severity: 'error', message: new CaptureBufferFull(this.buffer.size).message, raisedAt: this.now() });
      throw new CaptureBufferFull(this.buffer.size);
    }
    this.buffer.set(r.id, { entry: r });
    this.bufferBytes += r.bytes.byteLength;
    if (!this.flushTimer && !this.closed) {
      this.flushTimer = setInterval(() => {
        try {
          this.flushBuffer();
        } catch (err) {
          this.log.error('writing held jobs failed', { error: err as Error });
        }
      }, FLUSH_INTERVAL_MS);
      this.flushTimer.unref();
    }
    return { id: r.id, seq: null, sha256: r.sha256, duplicate: false, buffered: true };
  }

  private diskFull(err: unknown): void {
    if (this.memoryAlerts.some((a) => a.code === 'disk_full')) return;
    const message =
      'The disk is full: new receipts are held in memory (nothing is lost while the bridge keeps running). ' +
      'Free disk space on this machine; the held receipts are written out as soon as there is room.';
    this.raiseMemory({ code: 'disk_full', severity: 'error', message, raisedAt: this.now() });
    this.log.error('disk full: capturing into memory', { reason: (err as { code?: string }).code });
  }

  /** Jobs held in memory because the disk was full. */
  get buffered(): number {
    return this.buffer.size;
  }

  /** Writes held jobs (and their parse results) out; returns how many were written. Keeps them held while the disk is still full. */
  flushBuffer(): number {
    if (this.buffer.size === 0) return 0;
    const items = [...this.buffer.values()];
    try {
      this.transaction(() => {
        for (const { entry, parsed } of items) {
          const seq = this.insertJournal(entry);
          if (parsed && seq !== null) this.insertReceipts(parsed.map((p) => ({ ...p, seq })), entry.journaledAt);
        }
      });
    } catch (err) {
      if (isDiskFull(err)) return 0;
      throw err;
    }
    this.buffer.clear();
    this.bufferBytes = 0;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    this.resolveMemory('disk_full');
    this.resolveMemory('capture_buffer_full');
    this.log.info('held jobs written out after the disk had room again', { count: items.length });
    return items.length;
  }

  /**
   * The journaled bytes behind an id, for parsing them again: a receipt's own range of its job (with the
   * code page in force where it starts), or a whole job not parsed yet.
   */
  readJournal(id: string): StoredJob | null {
    const held = this.buffer.get(id);
    if (held) return held.entry;
    const awaiting = this.awaiting.get(id);
    if (awaiting !== undefined) {
      const job = this.readJob(awaiting);
      return job && { ...job, id };
    }
    const ref = this.s.get!.get({ id }) as OutboxDbRow | undefined;
    if (!ref) return null;
    const job = this.readJob(ref.journal_seq);
    if (!job) return null;
    const whole = ref.byte_start === 0 && ref.byte_end === job.bytes.byteLength;
    const bytes = whole ? job.bytes : job.bytes.subarray(ref.byte_start, ref.byte_end);
    return {
      ...job,
      id,
      bytes,
      sha256: whole ? job.sha256 : sha256Hex(bytes),
      codepage: ref.codepage ?? job.codepage,
      receipt: { index: ref.receipt_index, start: ref.byte_start, end: ref.byte_end, ...(ref.codepage ? { codepage: ref.codepage } : {}) },
    };
  }

  /** A journal row as printed (its id is the job's: transactionId of all its bytes). */
  private readJob(seq: number): StoredJob | null {
    const row = this.s.readJournal!.get(seq) as JournalDbRow | undefined;
    if (!row) return null;
    const bytes = new Uint8Array(unpackBytes(row.bytes, row.encoding));
    return {
      id: transactionId(row.device_id, bytes),
      seq: row.seq,
      deviceId: row.device_id,
      integration: row.integration,
      capturedAt: row.captured_at,
      sha256: row.sha256,
      bytes,
      codepage: row.codepage ?? undefined,
      profile: row.profile ?? undefined,
      terminalId: row.terminal_id ?? undefined,
      ...(row.address === null ? {} : { address: row.address }),
    };
  }

  /** Jobs journaled whose parse was never recorded (the process stopped between the two), by job id, oldest first. */
  unparsedJournal(limit = 1000): string[] {
    const ids: string[] = [];
    for (const id of this.awaiting.keys()) {
      if (ids.length >= limit) break;
      ids.push(id);
    }
    for (const [id, held] of this.buffer) if (!held.parsed && ids.length < limit) ids.push(id);
    return ids;
  }

  /** Journaled jobs waiting for their parse, as the database says (another process may have journaled them). */
  awaitingParse(): number {
    return (this.s.awaitingCount!.get() as { n: number }).n + [...this.buffer.values()].filter((h) => !h.parsed).length;
  }

  /**
   * Counts an attempt to parse journaled jobs, committed before the parse starts; returns each job's
   * attempts so far (0 for a job held in memory). A job whose parse keeps killing the process is given up.
   */
  noteParseAttempt(ids: string[]): number[] {
    const out: number[] = [];
    this.db.transaction(() => {
      for (const id of ids) {
        const seq = this.awaiting.get(id);
        const row = seq === undefined ? undefined : (this.s.parseAttempt!.get(seq) as { attempts: number } | undefined);
        out.push(row?.attempts ?? 0);
      }
    })();
    return out;
  }

  // ---------------------------------------------------------------- outbox

  /** Records the parse of a journaled job as its outbox row. Returns the row's state (an existing row is left as it is). */
  recordParse(parsed: ParsedJob): OutboxState {
    return this.recordParseBatch([parsed])[0]!;
  }

  recordParseBatch(parsed: ParsedJob[]): OutboxState[] {
    return this.recordReceipts(parsed).map((r) => r.state);
  }

  /**
   * Records parsed receipts as outbox rows, one per receipt, each pointing at its job's journal row.
   * A receipt stored before keeps its row (duplicate); a job whose every receipt was stored before
   * (the same file ingested twice) leaves no journal row behind: it adds nothing.
   */
  recordReceipts(parsed: ParsedJob[]): RecordedReceipt[] {
    const out: RecordedReceipt[] = parsed.map((p) => ({ id: p.id, state: p.state, duplicate: false }));
    const write: Array<{ p: ParsedJob; i: number }> = [];
    parsed.forEach((p, i) => {
      const held = p.seq === undefined ? this.buffer.get(p.job ?? p.id) : undefined;
      if (held) (held.parsed ??= []).push(p);
      else write.push({ p, i });
    });
    if (write.length === 0) return out;
    const at = this.now();
    this.transaction(() => {
      const results = this.insertReceipts(
        write.map((w) => w.p),
        at,
      );
      results.forEach((r, k) => (out[write[k]!.i] = r));
    });
    return out;
  }

  /** Outbox rows for parsed receipts inside the caller's transaction, then their journal rows marked parsed. */
  private insertReceipts(parsed: ParsedJob[], at: string): RecordedReceipt[] {
    const jobs = new Map<number, boolean>();
    const out = parsed.map((p): RecordedReceipt => {
      const seq = p.seq ?? this.awaiting.get(p.job ?? p.id);
      if (seq === undefined) {
        const existing = this.s.keyOf!.get({ id: p.id }) as { state: OutboxState } | undefined;
        if (!existing) throw new OutboxRowNotFound(p.id);
        return { id: p.id, state: existing.state, duplicate: true };
      }
      const added = this.insertParsed(p, seq, at);
      jobs.set(seq, added || (jobs.get(seq) ?? false));
      if (added) return { id: p.id, state: p.state === 'pending' && !p.transaction ? 'unparsed' : p.state, duplicate: false };
      return { id: p.id, state: (this.s.keyOf!.get({ id: p.id }) as { state: OutboxState }).state, duplicate: true };
    });
    this.recentIds += out.filter((r) => !r.duplicate).length;
    if (this.recentIds >= RECENT_IDS_MAX) {
      mergeRecentIds(this.db, this.idFilter);
      this.recentIds = 0;
    }
    for (const [seq, added] of jobs) {
      this.s.markParsed!.run(seq);
      if (!added && !this.s.journalReferenced!.get(seq)) this.s.dropJournal!.run(seq);
      this.pendingAwaiting?.done.push(seq);
    }
    return out;
  }

  private insertParsed(p: ParsedJob, seq: number, at: string): boolean {
    // A pending row must carry its transaction, or it would wait forever unsent.
    if (p.state === 'pending' && !p.transaction) {
      p = { ...p, state: 'unparsed', problems: [...p.problems, { code: 'no_transaction', field: 'transaction', message: 'the parser returned no transaction' }] };
    }
    const deviceId = p.deviceId ?? (this.s.deviceOf!.get(seq) as { device_id: string } | undefined)?.device_id;
    if (deviceId === undefined) throw new OutboxRowNotFound(p.id);
    const json = p.transaction ? JSON.stringify(p.transaction) : null;
    const problems = p.problems.length ? JSON.stringify(p.problems) : '[]';
    const r = p.receipt;
    // The schema refuses an id the recent run holds; one in the large run is refused here (main/store/ids.ts).
    if (this.storedInMergedRun(p.id)) return false;
    const info = this.s.insertOutbox!.run(
      p.id,
      seq,
      r?.index ?? 0,
      r?.start ?? 0,
      r?.end ?? this.jobSize(seq),
      r?.codepage ?? null,
      deviceId,
      p.state,
      p.transaction?.receipt_number ?? null,
      json,
      problems,
      at,
      at,
    );
    return info.changes > 0;
  }

  /** An outbox row has this id. */
  private storedId(id: string): boolean {
    return this.s.inRecentRun!.get({ id }) !== undefined || this.storedInMergedRun(id);
  }

  /** The large id run holds this id: asked of the filter first, read from the run only when the filter says maybe. */
  private storedInMergedRun(id: string): boolean {
    // Checked against the merge count once per write transaction: no other writer can merge until it commits.
    const transaction = this.pendingAwaiting;
    if (transaction === null || this.filterCheckedIn !== transaction) this.idFilter.refresh(this.db);
    this.filterCheckedIn = transaction;
    return this.idFilter.has(keyOf(id)) && this.s.inMergedRun!.get({ id }) !== undefined;
  }

  /** A job's length as printed: known for the jobs awaiting their parse, else read from its row. */
  private jobSize(seq: number): number {
    return this.awaitingIds.get(seq)?.size ?? (this.s.jobSize!.get(seq) as { size: number }).size;
  }

  /** Replaces the parse of a receipt in review or unparsed (after a profile fix), keeping its id. */
  replaceParse(parsed: ParsedJob, note: string): OutboxState {
    const row = this.s.get!.get({ id: parsed.id }) as OutboxDbRow | undefined;
    if (!row) {
      this.recordParse(parsed);
      return parsed.state;
    }
    if (!REPARSABLE.has(row.state)) {
      throw new InvalidStateChange(parsed.id, row.state, 'parsed again', 'only transactions in review or unparsed are parsed again.');
    }
    const at = this.now();
    this.db.transaction(() => {
      const tx = parsed.transaction;
      this.s.reparse!.run(parsed.state, tx ? JSON.stringify(tx) : null, tx?.receipt_number ?? null, JSON.stringify(parsed.problems), parsed.ocr ? JSON.stringify(parsed.ocr) : null, at, row.seq);
      this.s.history!.run(row.seq, row.state, parsed.state, at, note);
    })();
    return parsed.state;
  }

  get(id: string): OutboxRow | null {
    const row = this.s.get!.get({ id }) as OutboxDbRow | undefined;
    return row ? toRow(row) : null;
  }

  /** Newest first, or oldest first within one state (the order they are sent in). */
  list(options: { state?: OutboxState; limit?: number } = {}): OutboxRow[] {
    const limit = options.limit ?? 50;
    const rows = (options.state ? this.s.listState!.all(options.state, limit) : this.s.listAll!.all(limit)) as OutboxDbRow[];
    return rows.map(toRow);
  }

  /** The words read from a receipt's pictures with their confidence; null for a receipt of text (or not read yet). */
  pictureWords(id: string): PictureWords | null {
    const row = this.s.pictureWords!.get({ id }) as { ocr_json: string | null } | undefined;
    return row?.ocr_json ? (JSON.parse(row.ocr_json) as PictureWords) : null;
  }

  /** Ids of the rows in a state, oldest first, after the row `afterSeq` (a cursor: 0 to start). */
  idsInState(state: OutboxState, afterSeq: number, limit: number): Array<{ seq: number; id: string }> {
    return this.s.idsInState!.all(state, afterSeq, limit) as Array<{ seq: number; id: string }>;
  }

  history(id: string): HistoryEntry[] {
    return (this.s.readHistory!.all({ id }) as Array<{ from_state: OutboxState | null; to_state: OutboxState; at: string; note: string | null }>).map(
      (r) => ({ from: r.from_state, to: r.to_state, at: r.at, note: r.note }),
    );
  }

  /** `queue retry ID`: a rejected transaction goes back to pending to be sent again. */
  retry(id: string): OutboxRow {
    const row = this.s.get!.get({ id }) as OutboxDbRow | undefined;
    if (!row) throw new OutboxRowNotFound(id);
    if (row.state === 'pending') return toRow(row);
    if (row.state !== 'rejected') {
      const hint =
        row.state === 'reading'
          ? 'it was printed as a picture and its text is being read; it is sent once read.'
          : REPARSABLE.has(row.state)
            ? `fix the device's profile and run \`taxpoynt-bridge queue reprocess ${id} [--profile P]\`.`
            : TERMINAL.has(row.state)
              ? 'it is already registered at the cloud.'
              : 'it is being sent now; wait for the answer.';
      throw new InvalidStateChange(id, row.state, 'retried', hint);
    }
    const at = this.now();
    this.db.transaction(() => {
      this.s.retry!.run(at, row.seq);
      this.s.history!.run(row.seq, row.state, 'pending', at, 'retried by the user');
    })();
    return this.get(id)!;
  }

  claim(maxItems: number, maxBytes: number): Array<{ id: string; json: string }> {
    const out: Array<{ id: string; json: string; seq: number }> = [];
    this.db.transaction(() => {
      const rows = this.s.claimable!.all(maxItems) as Array<{ seq: number; id: string; tx_json: string | null }>;
      let total = 2;
      for (const row of rows) {
        if (row.tx_json === null) continue;
        const size = Buffer.byteLength(row.tx_json) + 1;
        if (out.length > 0 && total + size > maxBytes) break;
        out.push({ id: row.id, json: row.tx_json, seq: row.seq });
        total += size;
      }
      const at = this.now();
      for (const item of out) {
        this.s.setState!.run('in_flight', at, item.seq);
        this.s.history!.run(item.seq, 'pending', 'in_flight', at, null);
      }
    })();
    for (const item of out) this.flying.set(item.id, item.seq);
    return out.map(({ id, json }) => ({ id, json }));
  }

  /** The integer key of a row by its id: from the claim that sent it, else one index look-up. */
  private seqOf(id: string): number | undefined {
    return this.flying.get(id) ?? (this.s.keyOf!.get({ id }) as { seq: number } | undefined)?.seq;
  }

  release(ids: string[], error: string): void {
    const at = this.now();
    const reason = redactText(error).slice(0, 500);
    this.db.transaction(() => {
      for (const id of ids) {
        const seq = this.seqOf(id);
        if (seq !== undefined && this.s.release!.run(reason, at, seq).changes) this.s.history!.run(seq, 'in_flight', 'pending', at, reason);
      }
    })();
    for (const id of ids) this.flying.delete(id);
  }

  settle(results: Array<{ id: string; status: 'accepted' | 'duplicate' | 'rejected'; irn?: string; errors?: Problem[] }>): void {
    const at = this.now();
    this.db.transaction(() => {
      for (const r of results) {
        const seq = this.seqOf(r.id);
        if (seq === undefined) continue;
        const before = this.s.stateAt!.get(seq) as { state: OutboxState } | undefined;
        const problems = r.status === 'rejected' ? JSON.stringify(r.errors ?? []) : null;
        const lastError = r.status === 'rejected' ? redactText((r.errors ?? []).map((e) => e.message).join('; ') || 'rejected by the platform').slice(0, 500) : null;
        const info = this.s.settle!.run(r.status, r.irn ?? null, problems, lastError, at, seq);
        if (info.changes && before) this.s.history!.run(seq, before.state, r.status, at, r.irn ?? lastError);
      }
    })();
    for (const r of results) this.flying.delete(r.id);
  }

  /**
   * Makes the kept counts agree with a real count of the outbox (done by the engine at start-up: one pass over
   * the state index). The triggers keep them in the same transaction as every change, so a difference means
   * the table was edited by hand or restored from elsewhere; it is corrected and logged. Returns the states corrected.
   */
  reconcileCounts(): OutboxState[] {
    const corrected: OutboxState[] = [];
    this.db.transaction(() => {
      const kept = this.counts();
      const real = Object.fromEntries(OUTBOX_STATES.map((s) => [s, 0])) as Record<OutboxState, number>;
      for (const row of this.s.countReal!.all() as Array<{ state: OutboxState; n: number }>) real[row.state] = row.n;
      for (const state of OUTBOX_STATES) {
        if (kept[state] === real[state]) continue;
        this.s.setCount!.run(state, real[state]);
        corrected.push(state);
      }
      if (corrected.length) this.log.warn('outbox counts corrected from a real count', { kept, real });
    })();
    return corrected;
  }

  /** Rows per state, kept by the database's triggers as rows come and move (no count over the outbox). */
  counts(): Record<OutboxState, number> {
    const counts = Object.fromEntries(OUTBOX_STATES.map((s) => [s, 0])) as Record<OutboxState, number>;
    for (const row of this.s.counts!.all() as Array<{ state: OutboxState; n: number }>) counts[row.state] = row.n;
    return counts;
  }

  oldestPendingAgeS(): number | null {
    const row = this.s.oldestPending!.get() as { created_at: string } | undefined;
    if (!row) return null;
    return Math.max(0, Math.floor((this.clock().getTime() - Date.parse(row.created_at)) / 1000));
  }

  /**
   * Deletes accepted and duplicate rows (and their journal bytes) settled more than retentionDays ago;
   * nothing unacknowledged. A job's bytes go with the last of its receipts. Walks each state oldest first
   * and stops at the first row still inside the period, so a run costs what it deletes (a late-settled
   * old row holds back the ones after it until it ages).
   */
  purge(retentionDays: number): number {
    const cutoff = new Date(this.clock().getTime() - retentionDays * 86_400_000).toISOString();
    let purged = 0;
    for (const state of ['accepted', 'duplicate'] as const) {
      let after = 0;
      for (let more = true; more; ) {
        const rows = this.s.purgeable!.all(state, after) as Array<{ seq: number; journal_seq: number; updated_at: string }>;
        const stop = rows.findIndex((r) => r.updated_at >= cutoff);
        const old = stop === -1 ? rows : rows.slice(0, stop);
        if (old.length) {
          this.db.transaction(() => {
            for (const r of old) {
              if (this.s.purgeHeldBack!.get(r.journal_seq, cutoff)) continue;
              purged += (this.s.receiptsOf!.get(r.journal_seq) as { n: number }).n;
              this.s.dropJournal!.run(r.journal_seq); // its outbox rows and their history go with it (ON DELETE CASCADE)
            }
          })();
          after = old[old.length - 1]!.seq;
        }
        more = rows.length === PURGE_CHUNK && old.length === rows.length;
      }
    }
    if (purged) this.log.info('retention: acknowledged transactions purged', { count: purged, retentionDays });
    return purged;
  }

  // ---------------------------------------------------------------- alerts and health

  /** Unresolved alerts: those recorded in the database (a database moved aside) and those only in memory (disk full). */
  get alerts(): StoreAlert[] {
    const stored = (this.s.alerts!.all() as Array<{ code: StoreAlert['code']; severity: StoreAlert['severity']; message: string; moved_to: string | null; raised_at: string }>).map(
      (r): StoreAlert => ({ code: r.code, severity: r.severity, message: r.message, raisedAt: r.raised_at, ...(r.moved_to ? { movedTo: r.moved_to } : {}) }),
    );
    return [...stored, ...this.memoryAlerts];
  }

  /** Records an alert in the database (it outlives this process); kept in memory when the disk refuses it. */
  raise(alert: StoreAlert): void {
    this.log.error(alert.message, { alert: alert.code, movedTo: alert.movedTo });
    try {
      this.s.raise!.run(alert.code, alert.severity, alert.message, alert.movedTo ?? null, alert.raisedAt);
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      this.memoryAlerts.push(alert);
    }
  }

  /** The merchant or support has dealt with it. */
  dismissAlert(code: StoreAlert['code']): void {
    this.s.resolve!.run(this.now(), code);
    this.resolveMemory(code);
  }

  private raiseMemory(alert: StoreAlert): void {
    if (this.memoryAlerts.some((a) => a.code === alert.code)) return;
    this.memoryAlerts.push(alert);
  }

  private resolveMemory(code: StoreAlert['code']): void {
    for (let i = this.memoryAlerts.length - 1; i >= 0; i--) if (this.memoryAlerts[i]!.code === code) this.memoryAlerts.splice(i, 1);
  }

  /** `PRAGMA integrity_check` + `foreign_key_check`: problems, empty when sound. */
  integrity(): string[] {
    return checkIntegrity(this.db);
  }

  /** The connection, for the bench and tests that need SQL the store does not offer. */
  get connection(): Db {
    return this.db;
  }

  /** Tries once more to write held jobs, then closes. Jobs still held (disk still full) are lost with the process: the alert said so. */
  close(): void {
    if (this.closed) return;
    if (this.buffer.size) {
      try {
        this.flushBuffer();
      } catch {
        // reported by the alert already
      }
      if (this.buffer.size) this.log.error('closing with jobs still held in memory: the disk is still full', { count: this.buffer.size });
    }
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.closed = true;
    this.workerClosed = this.checkpointer?.stop() ?? Promise.resolve();
    this.db.close();
  }

  /** Resolves once every connection close() began has finished, the checkpoint worker's too: only then may the data dir be moved or removed. */
  whenClosed(): Promise<void> {
    return this.workerClosed;
  }
}

function toRow(row: OutboxDbRow): OutboxRow {
  return {
    id: row.id,
    deviceId: row.device_id,
    state: row.state,
    transaction: row.tx_json ? (JSON.parse(row.tx_json) as Transaction) : null,
    problems: JSON.parse(row.problems_json) as Problem[],
    attempts: row.attempts,
    lastError: row.last_error,
    irn: row.irn,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function journalRecord(input: JournalInput, journaledAt: string): JournalRecord {
  return {
    id: transactionId(input.deviceId, input.bytes),
    sha256: sha256Hex(input.bytes),
    deviceId: input.deviceId,
    integration: input.integration,
    capturedAt: input.capturedAt,
    bytes: input.bytes,
    codepage: input.codepage,
    profile: input.profile,
    terminalId: input.terminalId,
    ...(input.address ? { address: input.address } : {}),
    journaledAt,
    packed: packBytes(input.bytes),
    consumes: input.consumes,
  };
}
