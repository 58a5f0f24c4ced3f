// One serial port kept open: opened with the device's line settings, reopened with back-off after an unplug.
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { Logger } from '../telemetry/log.js';
import { Backoff } from './backoff.js';
import type { SerialSettings } from './config.js';

export interface SerialLinkHandlers {
  onOpen(): void;
  onData(chunk: Buffer): void;
  /** The port went away (unplugged, open failed); `retryInMs` is when the next attempt happens. */
  onDown(reason: string, retryInMs: number): void;
}

export interface SerialLinkOptions {
  log: Logger;
  backoff?: { initialMs?: number; maxMs?: number };
  random?: () => number;
}

/** serialport's options from the config's line settings (baud given separately: it may come from auto-baud). */
export function portOptions(settings: Omit<SerialSettings, 'baud_rate'>, baudRate: number) {
  return {
    path: settings.path,
    baudRate,
    dataBits: settings.data_bits,
    parity: settings.parity,
    stopBits: settings.stop_bits,
    rtscts: settings.flow_control === 'rtscts',
    xon: settings.flow_control === 'xonxoff',
    xoff: settings.flow_control === 'xonxoff',
    autoOpen: false,
  } as const;
}

/** How often an open port's device file is checked for (see watchPath). */
const PATH_CHECK_MS = 1000;

export class SerialLink {
  private port: SerialPort | null = null;
  private stopped = true;
  private retry: NodeJS.Timeout | undefined;
  private watch: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;

  constructor(
    private readonly settings: Omit<SerialSettings, 'baud_rate'>,
    private baudRate: number,
    private readonly handlers: SerialLinkHandlers,
    private readonly options: SerialLinkOptions,
  ) {
    this.backoff = new Backoff({ ...options.backoff, random: options.random });
  }

  get isOpen(): boolean {
    return this.port?.isOpen === true;
  }

  get baud(): number {
    return this.baudRate;
  }

  start(): Promise<void> {
    this.stopped = false;
    return this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    this.unwatch();
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  /** Writes without waiting; false when the port is not open (the caller keeps the bytes). */
  write(bytes: Uint8Array): boolean {
    if (!this.port?.isOpen) return false;
    this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return true;
  }

  /** Changes the rate on the open port (auto-baud) without closing it. */
  async setBaud(rate: number): Promise<void> {
    this.baudRate = rate;
    if (this.port?.isOpen) await this.port.update({ baudRate: rate });
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const port = new SerialPort(portOptions(this.settings, this.baudRate));
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      this.down(`cannot open ${this.settings.path}: ${(err as Error).message}`);
      return;
    }
    if (this.stopped) {
      port.close();
      return;
    }
    this.port = port;
    this.backoff.reset();
    port.on('data', (chunk: Buffer) => this.handlers.onData(chunk));
    port.on('error', (err: Error) => this.options.log.warn('serial port error', { path: this.settings.path, error: err }));
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (this.port !== port) return;
      this.port = null;
      this.unwatch();
      this.down(err?.disconnected ? `${this.settings.path} was unplugged` : `${this.settings.path} closed`);
    });
    this.watchPath(port);
    this.handlers.onOpen();
  }

  /**
   * A device file that is gone (a USB adapter or a pty unplugged) is an unplug even when the driver reports nothing
   * on the open port, as some do until a write: checked every second, on systems whose ports are files.
   */
  private watchPath(port: SerialPort): void {
    const path = this.settings.path;
    if (!path.startsWith('/')) return;
    this.watch = setInterval(() => {
      if (this.port !== port || existsSync(path)) return;
      this.port = null;
      this.unwatch();
      port.close(() => undefined);
      this.down(`${path} was unplugged`);
    }, PATH_CHECK_MS);
    this.watch.unref?.();
  }

  private unwatch(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = undefined;
  }

  private down(reason: string): void {
    if (this.stopped) return;
    const wait = this.backoff.next();
    this.handlers.onDown(reason, wait);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.open();
    }, wait);
    this.retry.unref?.();
  }
}
