// One captured job through the pipeline: journal (durable) first, then escpos decode, receipt parse, outbox row.
import { decode } from '../escpos/index.js';
import type { DecodedReceipt } from '../escpos/types.js';
import { needsReading, OCR_ENGINE, OcrFailed, readPictures, roundConfidence as round, type OcrPool, type PictureLines, type WordAt } from '../ocr/index.js';
import { loadProfile, parseReadReceipt, parseReceipt, readingVerdict } from '../receipts/index.js';
import { transactionId } from '../receipts/transaction.js';
import { redactText } from '../telemetry/redact.js';
import { OutboxRowNotFound, sha256Hex, type JournalInput, type OutboxState, type ParsedJob, type PictureWords, type Problem, type RecordedReceipt, type Store, type StoredJob } from '../store/index.js';

export const DEFAULT_PROFILE = 'generic@1';

/** A captured job as the pipeline takes it: exactly what the journal stores. */
export type IngestJob = JournalInput;

/** What became of one print job: the journal row holding its bytes once, and one outcome per receipt in it. */
export interface IngestOutcome {
  /** The job's id (transactionId of all its bytes); the id of its transaction when it holds one receipt. */
  job: string;
  /** The disk was full: the job is held in memory, not yet durable. */
  buffered: boolean;
  /** One per receipt the decoder delimits, in print order: its transaction id, row state, and whether it was stored before. */
  receipts: RecordedReceipt[];
}

const STATE_OF = { ok: 'pending', review: 'review', unparsed: 'unparsed' } as const;

/**
 * Stores a captured job and turns each receipt in it into an outbox row. The journal commit comes
 * first and is durable before anything parses the bytes: a decoder or profile failure makes the row
 * `unparsed` with its reason, never loses the job (ARCHITECTURE rule 1). A receipt's id is the same
 * whether its job held it alone (live capture cuts one job per receipt) or with others (`ingest` of a
 * file, a restart's recovery of staged bytes).
 */
export function ingestJob(store: Store, job: IngestJob): IngestOutcome {
  const journaled = store.journal(job);
  if (journaled.duplicate) {
    const row = store.get(journaled.id);
    if (row) return { job: journaled.id, buffered: journaled.buffered, receipts: [{ id: row.id, state: row.state, duplicate: true }] };
    // Journaled before but its parse was never recorded (a crash in between): parse it now.
  }
  // A new job is parsed from the bytes in hand (no read-back); a duplicate from what the journal holds.
  const entry: StoredJob = journaled.duplicate
    ? store.readJournal(journaled.id)!
    : { ...job, id: journaled.id, sha256: journaled.sha256, ...(journaled.seq === null ? {} : { seq: journaled.seq }) };
  return { job: journaled.id, buffered: journaled.buffered, receipts: store.recordReceipts(parseReceipts(entry)) };
}

/**
 * Every receipt of a journaled job, parsed: one ParsedJob each, with its byte range in the job. A job
 * of one receipt (or none the decoder could delimit) is one ParsedJob under the job's own id. Never throws.
 */
export function parseReceipts(entry: StoredJob, profileName?: string): ParsedJob[] {
  let receipts: DecodedReceipt[];
  try {
    receipts = decode(entry.bytes, entry.codepage ? { codepage: entry.codepage } : undefined).filter((r) => r.raw.length > 0);
  } catch {
    return [parseJob(entry, profileName)];
  }
  if (receipts.length <= 1) return [parseJob(entry, profileName)];
  const parsed: ParsedJob[] = [];
  let at = 0;
  receipts.forEach((decoded, index) => {
    const end = Math.min(entry.bytes.byteLength, at + decoded.raw.length);
    const bytes = entry.bytes.subarray(at, end);
    // The same id and raw digest capture gives this receipt when it arrives as a job of its own.
    const receipt: StoredJob = {
      ...entry,
      id: transactionId(entry.deviceId, bytes),
      sha256: sha256Hex(bytes),
      bytes,
      codepage: decoded.startCodepage ?? entry.codepage,
      receipt: { index, start: at, end, ...(decoded.startCodepage && decoded.startCodepage !== entry.codepage ? { codepage: decoded.startCodepage } : {}) },
    };
    parsed.push({ ...parseDecoded(receipt, [decoded], profileName), job: entry.id });
    at = end;
  });
  return parsed;
}

/** Decodes and parses one receipt's bytes (or a job as one); never throws: what cannot be read is `unparsed` with the reason. */
export function parseJob(entry: StoredJob, profileName?: string): ParsedJob {
  let receipts: DecodedReceipt[];
  try {
    receipts = decode(entry.bytes, entry.codepage ? { codepage: entry.codepage } : undefined);
  } catch (err) {
    return unparsedReceipt(entry, { code: 'parse_failed', field: 'raw', message: `the receipt could not be read: ${reason(err)}` });
  }
  return parseDecoded(entry, receipts, profileName);
}

function unparsedReceipt(entry: StoredJob, problem: Problem): ParsedJob {
  return { ...rowOf(entry), state: 'unparsed', transaction: null, problems: [problem] };
}

/** Where the parse of this entry goes: its id, and the journal row and range when known. */
function rowOf(entry: StoredJob): Pick<ParsedJob, 'id' | 'deviceId' | 'seq' | 'receipt'> {
  return { id: entry.id, deviceId: entry.deviceId, ...(entry.seq === undefined ? {} : { seq: entry.seq }), ...(entry.receipt ? { receipt: entry.receipt } : {}) };
}

/** The receipt a job's bytes stand for: the first one with text or a picture to read. */
function receiptOf(receipts: DecodedReceipt[]): DecodedReceipt | undefined {
  return receipts.find((r) => r.lines.some((l) => l.text.trim() !== '') || needsReading(r)) ?? receipts[0];
}

/**
 * Parses one receipt's decode. A receipt printed as pictures is `reading` until `read` (its pictures'
 * text joined to its lines) is given: the OCR runs later, off the capture path (readJob).
 */
function parseDecoded(
  entry: StoredJob,
  receipts: DecodedReceipt[],
  profileName?: string,
  read?: { receipt: DecodedReceipt; read: PictureLines },
  /** Filled with where the words its identifiers were read from sit in `read` (for the OCR reader's check). */
  said?: { identifiers?: readonly WordAt[]; amounts?: readonly WordAt[]; misread?: boolean },
): ParsedJob {
  const name = profileName ?? entry.profile ?? DEFAULT_PROFILE;
  let profile;
  try {
    profile = loadProfile(name);
  } catch (err) {
    return unparsedReceipt(entry, { code: 'profile_failed', field: 'profile', message: `the profile ${name} could not be loaded: ${reason(err)}` });
  }
  try {
    const foreign = receipts.find((r) => r.notReceipt)?.notReceipt;
    if (foreign) return unparsedReceipt(entry, { code: 'not_a_receipt', field: 'raw', message: foreign.reason });
    const first = receiptOf(receipts);
    if (!first) return unparsedReceipt(entry, { code: 'no_receipt', field: 'raw', message: 'the printer data held no printed receipt' });
    if (!read && needsReading(first)) return { ...rowOf(entry), state: 'reading', transaction: null, problems: [] };
    const context = {
      id: entry.id,
      deviceId: entry.deviceId,
      integration: entry.integration,
      terminalId: entry.terminalId ?? entry.deviceId,
      capturedAt: entry.capturedAt,
      ...(entry.address ? { address: entry.address } : {}),
      profile,
      rawSha256: entry.sha256,
      rawBytes: entry.bytes.byteLength,
    };
    const result = read ? parseReadReceipt(read.receipt, context, { engine: OCR_ENGINE, ...read.read }) : parseReceipt(first, context);
    if (said) Object.assign(said, readingVerdict(result));
    const problems = [...result.problems];
    if (receipts.length > 1) {
      problems.push({
        code: 'several_receipts',
        field: 'raw',
        message: `these bytes held ${receipts.length} receipts; the first one with text is this transaction`,
      });
    }
    const ocr = read && result.transaction ? pictureWords(read.read, result.transaction.raw.text ?? []) : undefined;
    return { ...rowOf(entry), state: STATE_OF[result.status], transaction: result.transaction, problems, ...(ocr ? { ocr } : {}) };
  } catch (err) {
    return unparsedReceipt(entry, { code: 'parse_failed', field: 'raw', message: `the receipt could not be read: ${reason(err)}` });
  }
}

/**
 * Decodes and parses one receipt's bytes, reading its pictures with the OCR pool when it was printed
 * as pictures (a receipt of text alone parses as parseJob does). A picture the engine fails on makes
 * the receipt `unparsed` with the reason, kept and re-processable; a pool that is stopping throws
 * OcrFailed, and the receipt stays `reading` for the next start.
 */
export async function readJob(entry: StoredJob, pool: OcrPool, profileName?: string): Promise<ParsedJob> {
  let receipts: DecodedReceipt[];
  try {
    receipts = decode(entry.bytes, entry.codepage ? { codepage: entry.codepage } : undefined);
  } catch (err) {
    return unparsedReceipt(entry, { code: 'parse_failed', field: 'raw', message: `the receipt could not be read: ${reason(err)}` });
  }
  const first = receiptOf(receipts);
  if (!first || first.notReceipt || !needsReading(first)) return parseDecoded(entry, receipts, profileName);
  let read;
  try {
    // Unsure lines read again (larger) when the first reading does not parse `ok`: see readPictures.
    read = await readPictures(first, pool, (r) => {
      const said: { identifiers?: readonly WordAt[]; amounts?: readonly WordAt[]; misread?: boolean } = {};
      const state = parseDecoded(entry, receipts, profileName, r, said).state;
      return { ...said, settles: state === STATE_OF.ok };
    });
  } catch (err) {
    if (pool.closed) throw err instanceof OcrFailed ? err : new OcrFailed(reason(err));
    return unparsedReceipt(entry, { code: 'ocr_failed', field: 'raw', message: reason(err) });
  }
  return parseDecoded(entry, receipts, profileName, read ?? undefined);
}

/**
 * The words of the lines read from pictures with the engine's confidence, their text taken from the
 * transaction's masked lines (so a card number read in full is stored masked). A line whose words no
 * longer pair one for one with what was read is one word, at its least sure word's confidence.
 */
function pictureWords(read: PictureLines, masked: string[]): PictureWords {
  return {
    lines: read.lines.map((l) => {
      const words = (masked[l.line] ?? '').trim().split(/\s+/).filter(Boolean);
      return words.length === l.words.length
        ? { line: l.line, words: words.map((text, i) => ({ text, confidence: round(l.words[i]!.confidence) })) }
        : { line: l.line, words: [{ text: (masked[l.line] ?? '').trim(), confidence: round(Math.min(1, ...l.words.map((w) => w.confidence))) }] };
    }),
  };
}

/** The history note of a receipt whose text was read from its pictures. */
export const READ_NOTE = 'text read from the printed picture (OCR)';

/**
 * Reads a stored `reading` receipt from its journaled bytes and records its parse (pending, review or
 * unparsed). Null when there is nothing to do: the row is gone or no longer `reading` (read or
 * reprocessed meanwhile, by this process or another). Throws OcrFailed when the pool is stopping.
 */
export async function readStored(store: Store, id: string, pool: OcrPool, profileName?: string): Promise<{ state: OutboxState; problems: Problem[] } | null> {
  if (store.get(id)?.state !== 'reading') return null;
  const entry = store.readJournal(id);
  if (!entry) return null;
  const parsed = await readJob(entry, pool, profileName);
  if (pool.closed || store.get(id)?.state !== 'reading') return null;
  return { state: store.replaceParse({ ...parsed, id }, READ_NOTE), problems: parsed.problems };
}

/** `queue reprocess ID [--profile P]`: parses a receipt in review or unparsed again from its journaled bytes (its range of its job), keeping its id. */
export function reprocess(store: Store, id: string, profile?: string): { id: string; state: OutboxState; problems: Problem[] } {
  const entry = store.readJournal(id);
  if (!entry) throw new OutboxRowNotFound(id);
  const parsed = { ...parseJob(entry, profile), id };
  const state = store.replaceParse(parsed, `parsed again with profile ${profile ?? entry.profile ?? DEFAULT_PROFILE}`);
  return { id, state, problems: parsed.problems };
}

/**
 * The capture loop's batching path for `run`: jobs arriving together share one commit. Each commit
 * journals the new jobs (durable before anything parses them) and writes the outbox rows of the jobs
 * parsed since the previous commit, so a batch costs one transaction. `ingest()` resolves once the
 * job is journaled and parsed; its outbox rows follow in the next commit (or a restart's resumeJournal).
 */
export class BatchIngestor {
  private queue: Array<{ job: IngestJob; resolve: (o: IngestOutcome) => void; reject: (e: unknown) => void }> = [];
  private parsed: ParsedJob[] = [];
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly options: { maxBatch?: number; maxWaitMs?: number } = {},
  ) {}

  ingest(job: IngestJob): Promise<IngestOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (this.queue.length >= (this.options.maxBatch ?? 500)) this.flush();
      else this.schedule();
    });
  }

  /** Commits what is queued and the parses not yet written. */
  flush(): void {
    const items = this.queue.splice(0, this.options.maxBatch ?? 500);
    const parsed = this.parsed;
    this.parsed = [];
    if (items.length === 0 && parsed.length === 0) return;
    let results;
    try {
      results = this.store.commitBatch(
        items.map((i) => i.job),
        parsed,
      );
    } catch (err) {
      for (const i of items) i.reject(err);
      return;
    }
    results.forEach((r, k) => {
      const item = items[k]!;
      const row = r.duplicate ? this.store.get(r.id) : null;
      if (row) return item.resolve({ job: r.id, buffered: r.buffered, receipts: [{ id: row.id, state: row.state, duplicate: true }] });
      const entry = r.duplicate ? this.store.readJournal(r.id)! : { ...item.job, id: r.id, sha256: r.sha256, ...(r.seq === null ? {} : { seq: r.seq }) };
      const p = parseReceipts(entry);
      if (r.buffered) this.store.recordParseBatch(p);
      else this.parsed.push(...p);
      item.resolve({ job: r.id, buffered: r.buffered, receipts: p.map((x) => ({ id: x.id, state: x.state, duplicate: false })) });
    });
    if (this.queue.length || this.parsed.length) this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.flush();
    };
    if (this.options.maxWaitMs) setTimeout(run, this.options.maxWaitMs);
    else setImmediate(run);
  }
}

/** Attempts at parsing a journaled job across restarts before it is left unparsed for a person. */
export const MAX_PARSE_ATTEMPTS = 3;

/**
 * Parses the jobs a stopped process journaled but never parsed; returns how many. Run at start-up.
 * Each attempt is counted first, so a job that crashes the parser cannot crash every start.
 */
export function resumeJournal(store: Store): number {
  let done = 0;
  for (let round = 0; round < 100_000; round++) {
    const ids = store.unparsedJournal(200);
    if (ids.length === 0) break;
    const attempts = store.noteParseAttempt(ids);
    store.recordParseBatch(
      ids.flatMap((id, i) => {
        const entry = store.readJournal(id)!;
        return attempts[i]! > MAX_PARSE_ATTEMPTS
          ? [unparsedReceipt(entry, { code: 'parse_interrupted', field: 'raw', message: INTERRUPTED })]
          : parseReceipts(entry);
      }),
    );
    done += ids.length;
  }
  return done;
}

export interface RecoveredStaged {
  /** Streams that had bytes staged but not journaled. */
  streams: number;
  /** Jobs journaled from them: one per stream, its bytes kept once; its receipts become rows when parsed. */
  jobs: number;
  bytes: number;
  /** Bytes between staged chunks that never reached the disk (a failed staging write). */
  gaps: number;
}

/**
 * At start-up, before capture: bytes staged by the last run but never journaled (it stopped mid-receipt,
 * or between reading a receipt and journaling it) become one journal job per stream, in one commit with
 * the staging's removal. `resumeJournal` then parses them as any job: one row per receipt, each with the
 * id the live path gives it (a receipt the live path journaled before the crash is not stored twice).
 * A receipt cut short is kept as it is: it parses to review or unparsed, shown and re-processable.
 */
export function recoverStaged(
  store: Store,
  settingsOf: (deviceId: string) => { codepage?: string; profile?: string; terminalId?: string },
  log?: { warn(message: string, fields?: Record<string, unknown>): void },
): RecoveredStaged {
  const streams = store.stagedStreams();
  if (streams.length === 0) return { streams: 0, jobs: 0, bytes: 0, gaps: 0 };
  const inputs: IngestJob[] = [];
  let bytes = 0;
  let gaps = 0;
  for (const s of streams) {
    bytes += s.bytes.length;
    gaps += s.gaps;
    if (s.gaps > 0) log?.warn('staged bytes have gaps: part of this receipt never reached the disk', { device: s.deviceId, missing_bytes: s.gaps });
    if (s.bytes.length > 0) inputs.push({ deviceId: s.deviceId, integration: s.integration, bytes: s.bytes, capturedAt: s.capturedAt, ...(s.address ? { address: s.address } : {}), ...settingsOf(s.deviceId) });
  }
  store.journalRecovered(inputs, streams.map((s) => s.stream));
  return { streams: streams.length, jobs: inputs.length, bytes, gaps };
}

const INTERRUPTED =
  'The bridge stopped each time it read this job: fix the device\'s profile and run `taxpoynt-bridge queue reprocess ID`.';

function reason(err: unknown): string {
  return redactText((err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300));
}
