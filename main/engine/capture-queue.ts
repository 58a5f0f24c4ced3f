// Capture's hand-off to the store: what devices deliver in one event-loop turn is written on the next, in order.
import type { CapturedChunk, CapturedJob, CaptureSink } from '../capture/index.js';
import type { Store } from '../store/index.js';

/**
 * Capture's data path never waits for the disk: it queues and returns. On the next turn the chunks of
 * unfinished receipts are staged (one commit, so a crash mid-receipt loses nothing), then each job is
 * handed to `ingest` (whose journal commit releases the staged bytes it covers), then the bytes consumed
 * without a job are released. Staging before the jobs keeps a release from finding nothing to release.
 */
export class CaptureQueue {
  private jobs: CapturedJob[] = [];
  private chunks: CapturedChunk[] = [];
  private released = new Map<string, number>();
  private scheduled = false;

  /** The parts of a capture sink this queue takes; `staging: false` leaves chunks out (jobs only). */
  readonly sink: Pick<CaptureSink, 'chunk' | 'consumed' | 'job'>;

  constructor(
    private readonly store: Store,
    private readonly ingest: (job: CapturedJob) => void,
    options: { staging?: boolean } = {},
  ) {
    const job = (j: CapturedJob) => this.queue(() => this.jobs.push(j));
    this.sink =
      options.staging === false
        ? { job }
        : {
            job,
            chunk: (c) => this.queue(() => this.chunks.push(c)),
            consumed: (stream, end) => this.queue(() => this.released.set(stream, end)),
          };
  }

  /** Writes everything queued now (the next turn does it anyway; stop calls it after capture has flushed). */
  drain(): void {
    const { jobs, chunks, released } = this;
    this.jobs = [];
    this.chunks = [];
    this.released = new Map();
    this.scheduled = false;
    if (chunks.length > 0) this.store.stage(chunks);
    for (const job of jobs) this.ingest(job);
    for (const [stream, end] of released) this.store.releaseStaged(stream, end);
  }

  private queue(add: () => void): void {
    add();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }
}
