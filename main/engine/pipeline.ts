// One captured job through the pipeline: journal (durable) first, then escpos decode, receipt parse, outbox row.
import { decode } from '../escpos/index.js';
import { loadProfile, parseReceipt } from '../receipts/index.js';
import { redactText } from '../telemetry/redact.js';
import { OutboxRowNotFound, type JournalInput, type OutboxState, type ParsedJob, type Problem, type Store, type StoredJob } from '../store/index.js';

export const DEFAULT_PROFILE = 'generic@1';

/** A captured job as the pipeline takes it: exactly what the journal stores. */
export type IngestJob = JournalInput;

export interface IngestOutcome {
  id: string;
  /** The same device sent the same bytes before: one row, its current state. */
  duplicate: boolean;
  state: OutboxState;
  /** The disk was full: the job is held in memory, not yet durable. */
  buffered: boolean;
}

const STATE_OF = { ok: 'pending', review: 'review', unparsed: 'unparsed' } as const;

/**
 * Stores a captured job and turns it into an outbox row. The journal commit comes first and is
 * durable before anything parses the bytes: a decoder or profile failure makes the row `unparsed`
 * with its reason, never loses the job (ARCHITECTURE rule 1).
 */
export function ingestJob(store: Store, job: IngestJob): IngestOutcome {
  const journaled = store.journal(job);
  if (journaled.duplicate) {
    const row = store.get(journaled.id);
    if (row) return { id: journaled.id, duplicate: true, state: row.state, buffered: journaled.buffered };
    // Journaled before but its parse was never recorded (a crash in between): parse it now.
  }
  // A new job is parsed from the bytes in hand (no read-back); a duplicate from what the journal holds.
  const entry: StoredJob = journaled.duplicate ? store.readJournal(journaled.id)! : { ...job, id: journaled.id, sha256: journaled.sha256 };
  const state = store.recordParse(parseJob(entry));
  return { id: journaled.id, duplicate: journaled.duplicate, state, buffered: journaled.buffered };
}

/** Decodes and parses a journaled job; never throws: what cannot be read is `unparsed` with the reason. */
export function parseJob(entry: StoredJob, profileName?: string): ParsedJob {
  const unparsed = (problem: Problem): ParsedJob => ({ id: entry.id, deviceId: entry.deviceId, state: 'unparsed', transaction: null, problems: [problem] });
  const name = profileName ?? entry.profile ?? DEFAULT_PROFILE;
  let profile;
  try {
    profile = loadProfile(name);
  } catch (err) {
    return unparsed({ code: 'profile_failed', field: 'profile', message: `the profile ${name} could not be loaded: ${reason(err)}` });
  }
  try {
    const receipts = decode(entry.bytes, entry.codepage ? { codepage: entry.codepage } : undefined);
    const foreign = receipts.find((r) => r.notReceipt)?.notReceipt;
    if (foreign) return unparsed({ code: 'not_a_receipt', field: 'raw', message: foreign.reason });
    const first = receipts.find((r) => r.lines.some((l) => l.text.trim() !== '')) ?? receipts[0];
    if (!first) return unparsed({ code: 'no_receipt', field: 'raw', message: 'the printer data held no printed receipt' });
    const result = parseReceipt(first, {
      id: entry.id,
      deviceId: entry.deviceId,
      integration: entry.integration,
      terminalId: entry.terminalId ?? entry.deviceId,
      capturedAt: entry.capturedAt,
      profile,
      rawSha256: entry.sha256,
      rawBytes: entry.bytes.byteLength,
    });
    const problems = [...result.problems];
    if (receipts.length > 1) {
      problems.push({
        code: 'several_receipts',
        field: 'raw',
        message: `this print job held ${receipts.length} receipts; the first one with text is this transaction`,
      });
    }
    return { id: entry.id, deviceId: entry.deviceId, state: STATE_OF[result.status], transaction: result.transaction, problems };
  } catch (err) {
    return unparsed({ code: 'parse_failed', field: 'raw', message: `the receipt could not be read: ${reason(err)}` });
  }
}

/** `queue reprocess ID [--profile P]`: parses a job in review or unparsed again from its journaled bytes, keeping its id. */
export function reprocess(store: Store, id: string, profile?: string): { id: string; state: OutboxState; problems: Problem[] } {
  const entry = store.readJournal(id);
  if (!entry) throw new OutboxRowNotFound(id);
  const parsed = parseJob(entry, profile);
  const state = store.replaceParse(parsed, `parsed again with profile ${profile ?? entry.profile ?? DEFAULT_PROFILE}`);
  return { id, state, problems: parsed.problems };
}

/**
 * The capture loop's batching path for `run`: jobs arriving together share one commit. Each commit
 * journals the new jobs (durable before anything parses them) and writes the outbox rows of the jobs
 * parsed since the previous commit, so a batch costs one transaction. `ingest()` resolves once the
 * job is journaled and parsed; its outbox row follows in the next commit (or a restart's resumeJournal).
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
      if (row) return item.resolve({ id: r.id, duplicate: true, state: row.state, buffered: r.buffered });
      const p = parseJob(this.store.readJournal(r.id)!);
      if (r.buffered) this.store.recordParse(p);
      else this.parsed.push(p);
      item.resolve({ id: r.id, duplicate: r.duplicate, state: p.state, buffered: r.buffered });
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
      ids.map((id, i) =>
        attempts[i]! > MAX_PARSE_ATTEMPTS
          ? { id, state: 'unparsed' as const, transaction: null, problems: [{ code: 'parse_interrupted', field: 'raw', message: INTERRUPTED }] }
          : parseJob(store.readJournal(id)!),
      ),
    );
    done += ids.length;
  }
  return done;
}

export interface RecoveredStaged {
  /** Streams that had bytes staged but not journaled. */
  streams: number;
  /** Jobs journaled from them (each receipt the decoder delimits; the unfinished tail is one more). */
  jobs: number;
  bytes: number;
  /** Bytes between staged chunks that never reached the disk (a failed staging write). */
  gaps: number;
}

/**
 * At start-up, before capture: bytes staged by the last run but never journaled (it stopped mid-receipt,
 * or between reading a receipt and journaling it) become journal jobs, cut where the decoder cuts
 * receipts, in one commit with the staging's removal. `resumeJournal` then parses them as usual.
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
    const settings = settingsOf(s.deviceId);
    for (const part of splitReceipts(s.bytes, settings.codepage)) {
      inputs.push({ deviceId: s.deviceId, integration: s.integration, bytes: part.bytes, capturedAt: s.capturedAt, ...settings, codepage: part.codepage ?? settings.codepage });
    }
  }
  store.journalRecovered(inputs, streams.map((s) => s.stream));
  return { streams: streams.length, jobs: inputs.length, bytes, gaps };
}

/** Cuts a stream's bytes where the decoder ends receipts; bytes past the last receipt (if any) stay with it, so nothing is dropped. */
function splitReceipts(bytes: Buffer, codepage: string | undefined): Array<{ bytes: Uint8Array; codepage?: string }> {
  let receipts: ReturnType<typeof decode> = [];
  try {
    receipts = decode(bytes, codepage ? { codepage } : undefined);
  } catch {
    return [{ bytes }];
  }
  const parts: Array<{ bytes: Uint8Array; codepage?: string }> = [];
  let at = 0;
  for (const r of receipts) {
    if (r.raw.length === 0) continue;
    const end = Math.min(bytes.length, at + r.raw.length);
    parts.push({ bytes: bytes.subarray(at, end), codepage: r.startCodepage });
    at = end;
  }
  if (at < bytes.length) {
    if (parts.length === 0) parts.push({ bytes: bytes.subarray(at) });
    else {
      const last = parts.at(-1)!;
      last.bytes = bytes.subarray(at - last.bytes.length, bytes.length);
    }
  }
  return parts;
}

const INTERRUPTED =
  'The bridge stopped each time it read this job: fix the device\'s profile and run `taxpoynt-bridge queue reprocess ID`.';

function reason(err: unknown): string {
  return redactText((err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300));
}
