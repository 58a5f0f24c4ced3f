// The OCR engine: a small pool of tesseract.js workers (English, offline), started when the first picture comes and stopped when idle.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createWorker, type Worker } from 'tesseract.js';
import type { Bitmap } from '../escpos/types.js';
import { pictureFile } from './image.js';
import { linesOf, type OcrText } from './text.js';

export interface OcrPoolOptions {
  /** Workers reading at once (default 1: one is enough for a shop; each holds about 100 MB while it lives). */
  workers?: number;
  /** A worker idle this long is stopped, and started again by the next picture (default 60 s; 0 keeps it). */
  idleMs?: number;
  /** Each dot drawn as scale × scale before reading, unless a picture asks for its own (default 1). */
  scale?: number;
  /** The folder holding eng.traineddata.gz (default: the `@tesseract.js-data/eng` package shipped with the bridge). */
  langPath?: string;
}

/** The engine could not read a picture: its worker failed to start or stopped while reading. */
export class OcrFailed extends Error {
  readonly code = 'ocr_failed';
  constructor(reason: string) {
    super(`The text of a receipt printed as a picture could not be read (${reason}). It is kept: run \`taxpoynt-bridge queue reprocess ID\` to read it again.`);
    this.name = 'OcrFailed';
  }
}

/** The name `source.ocr.engine` carries (cloud-api.md §3). */
export const OCR_ENGINE = 'tesseract';

const require = createRequire(import.meta.url);

/** The English model in `@tesseract.js-data/eng` (LSTM, integer: the fast one): a local folder, never a URL. */
export function bundledLangPath(): string {
  return join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
}

/**
 * Engine settings for receipts: one column of lines of varying size (PSM 4), no dictionary (receipt
 * numbers and amounts are not words, and a dictionary would "correct" them), no second pass on
 * inverted text (thermal receipts are black on white).
 */
const INIT = { load_system_dawg: '0', load_freq_dawg: '0' };
const PARAMETERS = { tessedit_pageseg_mode: '4', tessedit_do_invert: '0', user_defined_dpi: '203' };

interface Job {
  bitmap: Bitmap;
  scale: number;
  resolve: (text: OcrText) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Promise<Worker>;
  busy: boolean;
  /** The picture being read, refused at once if the pool stops meanwhile. */
  job?: Job;
  idle?: NodeJS.Timeout;
}

/**
 * Reads pictures one per worker at a time, in arrival order. Nothing is fetched: the model comes from
 * `langPath` (a folder) and the engine's wasm from `tesseract.js-core` in node_modules (or the app's
 * unpacked resources).
 */
export class OcrPool {
  private readonly size: number;
  private readonly idleMs: number;
  private readonly langPath: string;
  private readonly scale: number;
  private readonly queue: Job[] = [];
  private readonly slots: Slot[] = [];
  private stopped = false;
  /** Pictures read since the pool was made (for status and the bench). */
  read = 0;

  constructor(options: OcrPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.workers ?? 1));
    this.idleMs = options.idleMs ?? 60_000;
    this.langPath = options.langPath ?? bundledLangPath();
    this.scale = Math.max(1, Math.floor(options.scale ?? 1));
  }

  /** close() was called: pictures are refused. */
  get closed(): boolean {
    return this.stopped;
  }

  /** Pictures waiting for a worker. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Workers the pool may run at once (the `workers` option). */
  get capacity(): number {
    return this.size;
  }

  /** Workers alive now (0 until the first picture, and again after they idle out). */
  get workers(): number {
    return this.slots.length;
  }

  /** The picture's text, line by line, with the engine's confidence in each word; `scale`: each dot drawn as scale × scale. */
  recognize(bitmap: Bitmap, scale = this.scale): Promise<OcrText> {
    if (this.stopped) return Promise.reject(new OcrFailed('the OCR engine is stopped'));
    return new Promise((resolve, reject) => {
      this.queue.push({ bitmap, scale: Math.max(1, Math.floor(scale)), resolve, reject });
      this.pump();
    });
  }

  /** Stops every worker; pictures still waiting are refused. */
  async close(): Promise<void> {
    this.stopped = true;
    for (const job of this.queue.splice(0)) job.reject(new OcrFailed('the OCR engine stopped'));
    const slots = this.slots.splice(0);
    for (const slot of slots) slot.job?.reject(new OcrFailed('the OCR engine stopped'));
    await Promise.all(slots.map((s) => this.stop(s)));
  }

  private pump(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) {
        slot = { worker: this.start(), busy: false };
        this.slots.push(slot);
      }
      if (!slot) return;
      this.run(slot, this.queue.shift()!);
    }
  }

  private start(): Promise<Worker> {
    return createWorker('eng', 1, { langPath: this.langPath, cacheMethod: 'none', gzip: true }, INIT).then(async (w) => {
      await w.setParameters(PARAMETERS as never);
      return w;
    });
  }

  private run(slot: Slot, job: Job): void {
    slot.busy = true;
    slot.job = job;
    if (slot.idle) clearTimeout(slot.idle);
    const { file, top, left } = pictureFile(job.bitmap, job.scale);
    slot.worker
      .then((w) => {
        if (this.stopped) throw new OcrFailed('the OCR engine stopped');
        return w.recognize(file, {}, { text: false, blocks: true });
      })
      .then(
        (result) => {
          slot.job = undefined;
          if (this.stopped) return;
          this.read++;
          job.resolve(linesOf(result.data, top, left, job.scale));
          this.release(slot);
        },
        (err: unknown) => {
          slot.job = undefined;
          job.reject(err instanceof OcrFailed ? err : new OcrFailed(err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err).slice(0, 200)));
          if (this.stopped) return;
          // A worker that failed is replaced: the next picture starts a fresh one.
          this.slots.splice(this.slots.indexOf(slot), 1);
          void this.stop(slot);
          this.pump();
        },
      );
  }

  private release(slot: Slot): void {
    slot.busy = false;
    if (this.stopped) return;
    if (this.queue.length) return this.pump();
    if (this.idleMs > 0) {
      slot.idle = setTimeout(() => {
        if (slot.busy) return;
        this.slots.splice(this.slots.indexOf(slot), 1);
        void this.stop(slot);
      }, this.idleMs);
      slot.idle.unref();
    }
  }

  private async stop(slot: Slot): Promise<void> {
    if (slot.idle) clearTimeout(slot.idle);
    try {
      await (await slot.worker).terminate();
    } catch {
      // a worker that never started has nothing to stop
    }
  }
}
