// The real printer behind a virtual printer: serial, TCP (JetDirect) or a USB printer device file; kept connected, jobs queued while it is away.
import { createWriteStream, type WriteStream } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Logger } from '../telemetry/log.js';
import { Backoff } from './backoff.js';
import type { VirtualPrinterConfig } from './config.js';
import { SerialLink } from './serial-link.js';

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
}

/** A connection to the printer that can write now or not at all; the queue around it lives in PrinterLink. */
interface Transport {
  start(): Promise<void>;
  stop(): Promise<void>;
  write(bytes: Uint8Array): boolean;
  readonly connected: boolean;
  /** Whether the printer can answer status queries over this transport. */
  readonly answers: boolean;
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
    if ('tcp' in target) this.transport = new TcpTransport(target.tcp, events.onData, up, down, options);
    else if ('serial' in target) this.transport = new SerialTransport(target.serial, events.onData, up, down, options);
    else this.transport = new FileTransport(target.file, up, down, options);
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

  private drain(): void {
    while (this.queue.length > 0 && this.transport.connected) {
      const head = this.queue[0]!;
      if (!this.transport.write(head)) return;
      this.queue.shift();
      this.queued -= head.length;
    }
  }
}

class TcpTransport implements Transport {
  private socket: Socket | null = null;
  private up = false;
  private stopped = true;
  private retry: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  readonly answers = true;

  constructor(
    private readonly hostPort: string,
    private readonly onData: (chunk: Buffer) => void,
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
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.socket?.destroy();
    this.socket = null;
    this.up = false;
  }

  write(bytes: Uint8Array): boolean {
    if (!this.up || !this.socket) return false;
    this.socket.write(bytes);
    return true;
  }

  private connect(): void {
    const i = this.hostPort.lastIndexOf(':');
    const socket = connect({ host: this.hostPort.slice(0, i), port: Number(this.hostPort.slice(i + 1)) });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.up = true;
      this.backoff.reset();
      this.onUp(`printer at ${this.hostPort} connected`);
    });
    socket.on('data', this.onData);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.up = false;
      this.socket = null;
      if (this.stopped) return;
      const wait = this.backoff.next();
      this.onDown(`printer at ${this.hostPort} unreachable; retrying in ${Math.ceil(wait / 1000)} s`);
      this.retry = setTimeout(() => this.connect(), wait);
      this.retry.unref();
    });
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
class FileTransport implements Transport {
  private stream: WriteStream | null = null;
  private up = false;
  private stopped = true;
  private retry: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  readonly answers = false;

  constructor(
    private readonly path: string,
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
    const stream = this.stream;
    this.stream = null;
    this.up = false;
    if (stream) await new Promise<void>((resolve) => stream.end(() => resolve()));
  }

  write(bytes: Uint8Array): boolean {
    if (!this.up || !this.stream) return false;
    this.stream.write(bytes);
    return true;
  }

  private open(): void {
    const stream = createWriteStream(this.path, { flags: 'a' });
    this.stream = stream;
    stream.on('open', () => {
      this.up = true;
      this.backoff.reset();
      this.onUp(`printer ${this.path} open`);
    });
    stream.on('error', (err) => {
      if (this.stream !== stream) return;
      this.up = false;
      this.stream = null;
      if (this.stopped) return;
      const wait = this.backoff.next();
      this.onDown(`printer ${this.path}: ${err.message}; retrying in ${Math.ceil(wait / 1000)} s`);
      this.retry = setTimeout(() => this.open(), wait);
      this.retry.unref();
    });
  }
}
