// The real printer behind a virtual printer: serial, TCP (JetDirect) or a USB printer device file; kept connected, jobs queued while it is away.
import { createWriteStream, type WriteStream } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Logger } from '../telemetry/log.js';
import { Backoff } from './backoff.js';
import type { VirtualPrinterConfig } from './config.js';
import { SerialLink } from './serial-link.js';
import { platformSpooler, type SpoolerBackend } from './spooler/index.js';

export interface PrinterLinkEvents {
  /** Bytes the printer sent back (status answers). */
  onData(chunk: Buffer): void;
  onState(connected: boolean, detail: string): void;
}

export interface PrinterLinkOptions {
  log: Logger;
  backoff?: { initialMs?: number; maxMs?: number };
  random?: () => number;
  /** Bytes kept for an absent printer before the oldest are dropped (default 8 MiB). */
  maxQueuedBytes?: number;
  /** The OS spooler a `{ spooler }` printer prints through (default: this platform's). */
  spooler?: SpoolerBackend;
  /** A `{ spooler }` job still open after this much quiet is sent as it is (default 1000 ms); a closed POS connection sends it at once. */
  spoolerJobGapMs?: number;
  /** A `{ spooler }` job growing past this is sent in parts of this size, in order (default 8 MiB): memory stays bounded. */
  spoolerMaxJobBytes?: number;
}

/** A connection to the printer that can write now or not at all; the queue around it lives in PrinterLink. */
interface Transport {
  start(): Promise<void>;
  stop(): Promise<void>;
  write(bytes: Uint8Array): boolean;
  readonly connected: boolean;
  /** Whether the printer can answer status queries over this transport. */
  readonly answers: boolean;
  /** The POS's job ended (its connection closed): a spooler transport sends what it gathered as one job. */
  endJob?(): void;
}

/**
 * Writes print data to the printer in order, byte for byte. While the printer is away the bytes wait
 * in a bounded queue (the journal already holds them: the queue is only for the paper) and go out
 * as soon as it returns.
 */
export class PrinterLink {
  private readonly transport: Transport;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private readonly maxQueued: number;

  constructor(
    target: NonNullable<VirtualPrinterConfig['printer']>,
    private readonly events: PrinterLinkEvents,
    private readonly options: PrinterLinkOptions,
  ) {
    this.maxQueued = options.maxQueuedBytes ?? 8 * 1024 * 1024;
    const up = (detail: string) => {
      events.onState(true, detail);
      this.drain();
    };
    const down = (detail: string) => events.onState(false, detail);
    // A taken-over queue whose printer the bridge can reach itself is written to directly: no second spooler job.
    const route = 'spooler' in target ? (target.direct ?? null) : target;
    if (route === null) this.transport = new SpoolerTransport((target as { spooler: string }).spooler, up, options);
    else if ('tcp' in route) this.transport = new TcpTransport(route.tcp, events.onData, up, down, options);
    else if ('serial' in route) this.transport = new SerialTransport(route.serial, events.onData, up, down, options);
    else this.transport = new FileTransport(route.file, up, down, options);
  }

  get connected(): boolean {
    return this.transport.connected;
  }

  get answers(): boolean {
    return this.transport.answers;
  }

  get queuedBytes(): number {
    return this.queued;
  }

  start(): Promise<void> {
    return this.transport.start();
  }

  stop(): Promise<void> {
    return this.transport.stop();
  }

  send(bytes: Uint8Array): void {
    if (this.queue.length === 0 && this.transport.write(bytes)) return;
    this.queue.push(bytes);
    this.queued += bytes.length;
    while (this.queued > this.maxQueued && this.queue.length > 1) {
      const dropped = this.queue.shift()!;
      this.queued -= dropped.length;
      this.options.log.error('printer away too long: oldest queued print data dropped (it is in the journal)', { bytes: dropped.length });
    }
  }

  /** The POS's job is complete (its connection closed or another lane takes the printer). */
  endJob(): void {
    this.transport.endJob?.();
  }

  private drain(): void {
    while (this.queue.length > 0 && this.transport.connected) {
      const head = this.queue[0]!;
      if (!this.transport.write(head)) return;
      this.queue.shift();
      this.queued -= head.length;
    }
  }
}

/**
 * A printer link that is opened, may drop, and is opened again with back-off until stopped:
 * the TCP printer and the device file share this; each says only how to open and close itself.
 */
abstract class ReconnectingTransport implements Transport {
  private up = false;
  private stopped = true;
  private retry: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  abstract readonly answers: boolean;

  constructor(
    private readonly onUp: (detail: string) => void,
    private readonly onDown: (detail: string) => void,
    options: PrinterLinkOptions,
  ) {
    this.backoff = new Backoff({ ...options.backoff, random: options.random });
  }

  get connected(): boolean {
    return this.up;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.up = false;
    await this.close();
  }

  abstract write(bytes: Uint8Array): boolean;
  /** Starts opening; calls opened() when it is up and lost() when it fails or drops. */
  protected abstract open(): void;
  protected abstract close(): Promise<void>;

  protected opened(detail: string): void {
    this.up = true;
    this.backoff.reset();
    this.onUp(detail);
  }

  protected lost(reason: string): void {
    this.up = false;
    if (this.stopped) return;
    const wait = this.backoff.next();
    this.onDown(`${reason}; retrying in ${Math.ceil(wait / 1000)} s`);
    this.retry = setTimeout(() => this.open(), wait);
    this.retry.unref();
  }
}

class TcpTransport extends ReconnectingTransport {
  private socket: Socket | null = null;
  readonly answers = true;

  constructor(
    private readonly hostPort: string,
    private readonly onData: (chunk: Buffer) => void,
    onUp: (detail: string) => void,
    onDown: (detail: string) => void,
    options: PrinterLinkOptions,
  ) {
    super(onUp, onDown, options);
  }

  write(bytes: Uint8Array): boolean {
    if (!this.connected || !this.socket) return false;
    this.socket.write(bytes);
    return true;
  }

  protected open(): void {
    const i = this.hostPort.lastIndexOf(':');
    const socket = connect({ host: this.hostPort.slice(0, i), port: Number(this.hostPort.slice(i + 1)) });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => this.opened(`printer at ${this.hostPort} connected`));
    socket.on('data', this.onData);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.lost(`printer at ${this.hostPort} unreachable`);
    });
  }

  protected async close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
  }
}

class SerialTransport implements Transport {
  private readonly link: SerialLink;
  readonly answers = true;

  constructor(
    settings: NonNullable<Extract<VirtualPrinterConfig['printer'], { serial: unknown }>>['serial'],
    onData: (chunk: Buffer) => void,
    onUp: (detail: string) => void,
    onDown: (detail: string) => void,
    options: PrinterLinkOptions,
  ) {
    this.link = new SerialLink(
      settings,
      settings.baud_rate,
      {
        onOpen: () => onUp(`printer on ${settings.path} connected`),
        onData,
        onDown: (reason, wait) => onDown(`printer: ${reason}; retrying in ${Math.ceil(wait / 1000)} s`),
      },
      options,
    );
  }

  get connected(): boolean {
    return this.link.isOpen;
  }

  start(): Promise<void> {
    return this.link.start();
  }

  stop(): Promise<void> {
    return this.link.stop();
  }

  write(bytes: Uint8Array): boolean {
    return this.link.write(bytes);
  }
}

/** A USB printer device file (/dev/usb/lp0): write-only here, so the bridge answers status queries itself. */
class FileTransport extends ReconnectingTransport {
  private stream: WriteStream | null = null;
  readonly answers = false;

  constructor(
    private readonly path: string,
    onUp: (detail: string) => void,
    onDown: (detail: string) => void,
    options: PrinterLinkOptions,
  ) {
    super(onUp, onDown, options);
  }

  write(bytes: Uint8Array): boolean {
    if (!this.connected || !this.stream) return false;
    this.stream.write(bytes);
    return true;
  }

  protected open(): void {
    const stream = createWriteStream(this.path, { flags: 'a' });
    this.stream = stream;
    stream.on('open', () => this.opened(`printer ${this.path} open`));
    stream.on('error', (err) => {
      if (this.stream !== stream) return;
      this.stream = null;
      this.lost(`printer ${this.path}: ${err.message}`);
    });
  }

  protected async close(): Promise<void> {
    const stream = this.stream;
    this.stream = null;
    if (stream) await new Promise<void>((resolve) => stream.end(() => resolve()));
  }
}

/**
 * The hidden direct queue of a taken-over OS queue: each POS job becomes one RAW spooler job, in order.
 * The spooler holds jobs for an absent printer itself, so this transport is always "connected".
 */
class SpoolerTransport implements Transport {
  readonly answers = false;
  readonly connected = true;
  private readonly backend: SpoolerBackend;
  private job: Uint8Array[] = [];
  private jobBytes = 0;
  private gap: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly queue: string,
    private readonly onUp: (detail: string) => void,
    private readonly options: PrinterLinkOptions,
  ) {
    this.backend = options.spooler ?? platformSpooler();
  }

  async start(): Promise<void> {
    this.onUp(`printing through the queue ${this.queue}`);
  }

  async stop(): Promise<void> {
    this.endJob();
    await this.sending;
  }

  write(bytes: Uint8Array): boolean {
    this.job.push(bytes);
    this.jobBytes += bytes.length;
    if (this.jobBytes >= (this.options.spoolerMaxJobBytes ?? 8 * 1024 * 1024)) {
      this.endJob();
      return true;
    }
    if (this.gap) clearTimeout(this.gap);
    this.gap = setTimeout(() => this.endJob(), this.options.spoolerJobGapMs ?? 1000);
    this.gap.unref();
    return true;
  }

  endJob(): void {
    if (this.gap) clearTimeout(this.gap);
    this.gap = undefined;
    if (this.job.length === 0) return;
    const bytes = Buffer.concat(this.job);
    this.job = [];
    this.jobBytes = 0;
    this.sending = this.sending.then(() =>
      this.backend.printRaw(this.queue, bytes).catch((err: Error) => {
        this.options.log.error('pass-through job not accepted by the print queue (it is in the journal)', { queue: this.queue, bytes: bytes.length, error: err });
      }),
    );
  }
}
