// USB HID device (node-hid, hidraw on Linux): found by vendor/product id or path, reports parsed to bytes, hot-plug by polling.
import type { JobAssembler } from './assembler.js';
import { hexId, type HidConfig } from './config.js';
import { DeviceSource, type SourceOptions } from './device-source.js';
import { HID_PARSERS, type HidReportParser } from './hid-reports.js';
import type { CaptureSink } from './types.js';

/** The part of node-hid capture uses; injected in tests (no HID device in CI). */
export interface HidBinding {
  devices(): Array<{ vendorId: number; productId: number; path?: string; product?: string; manufacturer?: string }>;
  open(path: string): Promise<HidHandle>;
}

export interface HidHandle {
  on(event: 'data', listener: (report: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): Promise<void> | void;
}

let nodeHid: Promise<HidBinding> | undefined;

/** node-hid, with the hidraw driver on Linux (reads every report, no kernel driver detaching). */
export function loadNodeHid(): Promise<HidBinding> {
  nodeHid ??= import('node-hid').then((m) => {
    const hid = (m as unknown as { default?: typeof m }).default ?? m;
    if (process.platform === 'linux') hid.setDriverType('hidraw');
    return {
      devices: () => hid.devices(),
      open: (path: string) => hid.HIDAsync.open(path) as unknown as Promise<HidHandle>,
    };
  });
  return nodeHid;
}

export class HidSource extends DeviceSource {
  private handle: HidHandle | null = null;
  private assembler: JobAssembler | null = null;
  private poll: NodeJS.Timeout | undefined;
  private parserState: unknown;
  private readonly parser: HidReportParser<unknown>;
  private stopped = false;
  private readonly binding: HidBinding | undefined;
  private readonly pollMs: number;

  constructor(
    private readonly config: HidConfig,
    sink: CaptureSink,
    opts: SourceOptions & { hid?: HidBinding; hidPollMs?: number },
  ) {
    super(config, sink, opts);
    this.binding = opts.hid;
    this.pollMs = opts.hidPollMs ?? 2000;
    this.parser = HID_PARSERS[config.report] as HidReportParser<unknown>;
    this.parserState = this.parser.initial();
  }

  protected async open(): Promise<void> {
    this.stopped = false;
    this.assembler = this.receiptAssembler(this.config.id, 'hid', this.config);
    const hid = this.binding ?? (await loadNodeHid());
    await this.connect(hid);
    // Hot-plug by polling enumeration (node-hid has no plug events).
    this.poll = setInterval(() => void this.connect(hid), this.pollMs);
    this.poll.unref();
  }

  protected async close(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
    this.assembler?.flush();
  }

  private findPath(hid: HidBinding): string | null {
    const vid = hexId(this.config.vendor_id);
    const pid = hexId(this.config.product_id);
    const found = hid.devices().find((d) => d.vendorId === vid && d.productId === pid && (!this.config.path || d.path === this.config.path));
    return found?.path ?? null;
  }

  private connecting = false;

  private async connect(hid: HidBinding): Promise<void> {
    // One attempt at a time: a slow open must not be doubled by the next poll.
    if (this.handle || this.stopped || this.connecting) return;
    this.connecting = true;
    try {
      await this.tryConnect(hid);
    } finally {
      this.connecting = false;
    }
  }

  private async tryConnect(hid: HidBinding): Promise<void> {
    let path: string | null;
    try {
      path = this.findPath(hid);
    } catch (err) {
      this.fail('hid_enumeration_failed', err as Error);
      return;
    }
    const what = `${hexId(this.config.vendor_id).toString(16).padStart(4, '0')}:${hexId(this.config.product_id).toString(16).padStart(4, '0')}`;
    if (!path) {
      if (this.state.status !== 'disconnected') this.setStatus('disconnected', `HID device ${what} not plugged in; watching for it`);
      return;
    }
    try {
      const handle = await hid.open(path);
      if (this.stopped) {
        await handle.close();
        return;
      }
      this.handle = handle;
      handle.on('data', (report) => this.onReport(report));
      handle.on('error', (err) => {
        // Unplugged: the handle is dead; the poll reopens it when the device is back.
        if (this.handle !== handle) return;
        this.handle = null;
        this.assembler?.flush();
        this.parserState = this.parser.initial();
        void Promise.resolve(handle.close()).catch(() => undefined);
        this.setStatus('disconnected', `HID device ${what} went away (${err.message}); watching for it`);
      });
      this.setStatus('connected', `reading HID device ${what} at ${path} (${this.config.report} reports)`);
    } catch (err) {
      const e = err as Error;
      this.setStatus('disconnected', `cannot open HID device ${what}: ${e.message}. On Linux, a udev rule must give this user access to /dev/hidraw*`);
    }
  }

  private onReport(report: Buffer): void {
    const out = this.parser.parse(report, this.parserState);
    this.parserState = out.state;
    if (out.bytes.length === 0) return;
    this.noteData(out.bytes.length);
    this.assembler?.push(out.bytes);
  }
}
