// Per-device job assembly: bytes in as they arrive, one CapturedJob out per receipt the streaming decoder delimits.
import { randomUUID } from 'node:crypto';
import { EscposStream } from '../escpos/index.js';
import type { DecodedReceipt, StatusQuery } from '../escpos/types.js';
import type { Integration } from '../receipts/transaction.js';
import type { Logger } from '../telemetry/log.js';
import type { CapturedChunk, CapturedJob, CaptureSink, Clock } from './types.js';

/** The streaming decoder as capture uses it (main/escpos EscposStream). */
export interface ReceiptStream {
  push(chunk: Uint8Array, nowMs: number): { receipts: DecodedReceipt[]; queries: StatusQuery[] };
  tick(nowMs: number): DecodedReceipt[];
  end(): DecodedReceipt[];
}

export type DecoderFactory = (options: { codepage: string; idleMs: number }) => ReceiptStream;

/** The real streaming decoder (main/escpos). */
export const escposDecoder: DecoderFactory = (options) => new EscposStream(options);

export interface AssemblerOptions {
  deviceId: string;
  integration: Integration;
  codepage: string;
  idleMs: number;
  /** The network address the bytes come from (a virtual printer's TCP lane). */
  address?: string;
  sink: CaptureSink;
  decoder: DecoderFactory;
  clock: Clock;
  log: Logger;
  /** Bytes held for an unfinished receipt before it is closed anyway (bounded memory per device). Default 4 MiB. */
  maxPendingBytes?: number;
  /** Called after each job is handed to the sink (device counters). */
  onJob?: () => void;
  /** Bytes with nothing printable left over when a stream ends (a drawer kick after the cut): not a job. */
  onUnclaimed?: (bytes: number) => void;
}

/**
 * Feeds a device's bytes to the decoder and hands each delimited receipt's exact bytes to the sink.
 * Keeps its own copy of the bytes of the unfinished receipt so a decoder failure never loses them
 * (ARCHITECTURE rule 1): they go out as one job and a fresh decoder takes over.
 */
export class JobAssembler {
  private stream: ReceiptStream;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxPending: number;
  /** This stream's id for staging (unique per assembler), bytes received and bytes handed on as jobs or unclaimed. */
  private readonly streamId = randomUUID();
  private received = 0;
  private taken = 0;

  constructor(private readonly o: AssemblerOptions) {
    this.stream = o.decoder({ codepage: o.codepage, idleMs: o.idleMs });
    this.maxPending = o.maxPendingBytes ?? 4 * 1024 * 1024;
  }

  get heldBytes(): number {
    return this.pendingBytes;
  }

  /** Takes a chunk; returns the status queries found in it (the virtual printer may answer them). */
  push(chunk: Uint8Array): StatusQuery[] {
    if (chunk.length === 0) return [];
    this.stage(chunk);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    let queries: StatusQuery[] = [];
    try {
      const out = this.stream.push(chunk, this.o.clock.now());
      queries = out.queries;
      this.emit(out.receipts);
    } catch (err) {
      this.recover(err);
    }
    if (this.pendingBytes > this.maxPending) {
      this.o.log.warn('receipt longer than the per-device limit: closing it here', { device: this.o.deviceId, bytes: this.pendingBytes });
      this.flush();
    }
    this.arm();
    return queries;
  }

  /** Ends a receipt that went idle (called by the timer; exposed for tests with a fake clock). */
  tick(): void {
    try {
      this.emit(this.stream.tick(this.o.clock.now()));
    } catch (err) {
      this.recover(err);
    }
    if (this.pendingBytes === 0) this.disarm();
  }

  /**
   * Closes whatever is unfinished (connection closed, device unplugged, stop). Bytes the decoder
   * found nothing printable in (after the last cut) are counted, not journaled as an empty job.
   */
  flush(): void {
    try {
      this.emit(this.stream.end());
    } catch (err) {
      this.recover(err);
    }
    if (this.pendingBytes > 0) {
      const n = this.pendingBytes;
      this.takePending(n);
      this.o.onUnclaimed?.(n);
      this.tell(() => this.o.sink.consumed?.(this.streamId, this.taken));
    }
    this.stream = this.o.decoder({ codepage: this.o.codepage, idleMs: this.o.idleMs });
    this.disarm();
  }

  /**
   * The job's bytes are cut from capture's own copy, by the decoder's span length: what is journaled
   * is exactly what arrived, even if the decoder rebuilt a span wrongly across chunk edges.
   */
  private emit(receipts: DecodedReceipt[]): void {
    for (const r of receipts) {
      if (r.raw.length === 0) continue;
      this.emitRaw(this.takePending(Math.min(r.raw.length, this.pendingBytes)), r.end, r.startCodepage);
    }
  }

  private emitRaw(bytes: Uint8Array, end: DecodedReceipt['end'], codepage?: string): void {
    try {
      const job: CapturedJob = {
        deviceId: this.o.deviceId,
        integration: this.o.integration,
        bytes,
        capturedAt: new Date(this.o.clock.now()).toISOString(),
        end,
        consumes: { stream: this.streamId, end: this.taken },
      };
      if (codepage) job.codepage = codepage;
      if (this.o.address) job.address = this.o.address;
      this.o.sink.job(job);
    } catch (err) {
      this.o.log.error('the capture sink refused a job', { device: this.o.deviceId, error: err as Error });
    }
    this.o.onJob?.();
  }

  private recover(err: unknown): void {
    this.o.log.error('decoder failed; keeping the raw bytes as one job and starting a fresh decoder', { device: this.o.deviceId, error: err as Error });
    if (this.pendingBytes > 0) this.emitRaw(this.takePending(this.pendingBytes), 'end_of_data');
    this.stream = this.o.decoder({ codepage: this.o.codepage, idleMs: this.o.idleMs });
  }

  /** Hands the chunk to the sink for staging before the decoder sees it. */
  private stage(chunk: Uint8Array): void {
    const start = this.received;
    this.received += chunk.length;
    if (!this.o.sink.chunk) return;
    const at = new Date(this.o.clock.now()).toISOString();
    const staged: CapturedChunk = { stream: this.streamId, deviceId: this.o.deviceId, integration: this.o.integration, start, bytes: chunk, at };
    if (this.o.address) staged.address = this.o.address;
    this.tell(() => this.o.sink.chunk!(staged));
  }

  /** A sink that throws must not stop capture: the bytes are still in hand and go out as jobs. */
  private tell(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.log.error('the capture sink refused a chunk', { device: this.o.deviceId, error: err as Error });
    }
  }

  private takePending(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const head = this.pending[0]!;
      const take = Math.min(head.length, n - at);
      out.set(head.subarray(0, take), at);
      at += take;
      if (take === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(take);
    }
    this.pendingBytes -= n;
    this.taken += n;
    return out;
  }

  private arm(): void {
    if (this.timer || this.pendingBytes === 0) return;
    this.timer = setInterval(() => this.tick(), Math.max(20, Math.min(250, Math.floor(this.o.idleMs / 4))));
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
