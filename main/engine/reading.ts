// Receipts printed as pictures, read after they are journaled: a queue of outbox ids (never bitmaps) fed to the OCR pool, off the capture path.
import type { OcrPool } from '../ocr/index.js';
import type { OutboxState, Problem, Store } from '../store/index.js';
import type { Logger } from '../telemetry/log.js';
import { readStored } from './pipeline.js';

export interface ReadOutcome {
  id: string;
  state: OutboxState;
  problems: Problem[];
}

/**
 * Holds the ids of `reading` rows, oldest first, and reads as many at once as the pool has workers.
 * A receipt's bytes come from the journal when its turn comes, so a backlog of thousands costs a few
 * bytes each; a restart finds the rows still `reading` and queues them again (start()).
 */
export class PictureReader {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private active = 0;
  private stopping = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly store: Store,
    private readonly pool: OcrPool,
    private readonly log: Logger,
    private readonly onRead: (outcome: ReadOutcome) => void = () => undefined,
    private readonly concurrency = 1,
  ) {}

  /** Receipts waiting for their text (queued or being read). */
  get backlog(): number {
    return this.queue.length + this.active;
  }

  /** Queues every row left `reading` (a restart mid-OCR, or receipts another process ingested); returns how many. */
  resume(): number {
    let added = 0;
    for (let after = 0; ; ) {
      const rows = this.store.idsInState('reading', after, 1000);
      for (const r of rows) if (this.add(r.id)) added++;
      if (rows.length < 1000) break;
      after = rows[rows.length - 1]!.seq;
    }
    return added;
  }

  /** Queues a `reading` row; false when it is queued already. */
  add(id: string): boolean {
    if (this.stopping || this.queued.has(id)) return false;
    this.queued.add(id);
    this.queue.push(id);
    this.pump();
    return true;
  }

  /** Resolves when nothing is queued or being read. */
  drained(): Promise<void> {
    if (this.backlog === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stops reading: what is being read is dropped (it stays `reading` in the store and is read at the next start). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.queue.length = 0;
    await this.pool.close();
    await this.drained();
  }

  private pump(): void {
    while (!this.stopping && this.active < this.concurrency && this.queue.length) {
      const id = this.queue.shift()!;
      this.active++;
      void this.read(id).finally(() => {
        this.active--;
        this.queued.delete(id);
        if (this.backlog === 0) for (const resolve of this.idle.splice(0)) resolve();
        this.pump();
      });
    }
  }

  private async read(id: string): Promise<void> {
    const started = Date.now();
    let outcome;
    try {
      outcome = await readStored(this.store, id, this.pool);
    } catch (err) {
      if (!this.stopping) this.log.error('a receipt printed as a picture could not be read; it is read again at the next start', { id, error: err });
      return;
    }
    if (!outcome) return;
    this.log.info('receipt printed as a picture read', { id, state: outcome.state, ms: Date.now() - started });
    this.onRead({ id, ...outcome });
  }
}
