// WAL checkpoints off the writer's thread: a worker with its own connection copies committed pages into the database file.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The worker's code, evaluated as a script (the engine runs from TypeScript in tests and from dist/ in
 * production, so there is no worker file to point at). It only ever runs PASSIVE checkpoints: it never
 * waits for the writer, and the writer never waits for it.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
for (const pragma of workerData.pragmas) db.pragma(pragma);
// Prepared once: db.pragma() prepares a statement each call, freed only when this isolate collects it, and
// this thread allocates so little that it rarely does (20,000 calls held ~14 MB; every 2 s that is half a day).
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * At 1,000,000 rows a checkpoint writes thousands of scattered pages back to the database file; done by
 * the committing connection it stalls capture's commits for as long (bench/store.ts). Here it runs beside them.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private stopped = false;
  private readonly exited: Promise<void>;

  /** `pragmas` open the database as the store's connection does (cipher and key first). */
  constructor(file: string, pragmas: string[], everyMs: number, onError: (message: string) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers');
    this.worker = new Worker(WORKER, { eval: true, workerData: { file, pragmas, everyMs, driver } });
    this.worker.on('message', (m: { error?: string }) => m.error && onError(m.error));
    this.worker.on('error', (err) => onError(err.message));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.unref();
  }

  /** Asks the worker to close its connection; resolves once it has (its close may still write the database's files). */
  stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      // Held by the event loop until it has closed its connection: an unref'd worker would let the process end first.
      this.worker.ref();
      this.worker.postMessage('stop');
    }
    return this.exited;
  }
}
