// Capture's surface: device sources for each kind, the set that runs them all, enumeration, the pure parts others reuse.
import type { Logger } from '../telemetry/log.js';
import type { DeviceConfig } from './config.js';
import type { SourceOptions } from './device-source.js';
import { EcrSerialSource } from './ecr-source.js';
import { HidSource, type HidBinding } from './hid-source.js';
import { SerialTapSource } from './serial-tap.js';
import type { CaptureSink, CaptureSource, DeviceState } from './types.js';
import { VirtualPrinterSource } from './virtual-printer.js';

export * from './types.js';
export * from './config.js';
export { JobAssembler, escposDecoder, type DecoderFactory, type ReceiptStream } from './assembler.js';
export { scoreEscpos, chooseBaud, CANDIDATE_BAUDS, type BaudChoice, type BaudSample } from './autobaud.js';
export { Backoff } from './backoff.js';
export { inBusinessHours, silentSince } from './silence.js';
export { statusAnswer } from './status-answer.js';
export { StxEtxFramer, LineFramer, parseTerminalMessage, toKobo, frame, lrc, ACK, NAK, STX, ETX } from './ecr.js';
export { joinTerminalEvent, type JoinCandidate, type JoinOptions } from './join.js';
export { HID_PARSERS, parseReports, type HidParserName, type HidReportParser } from './hid-reports.js';
export { listSerialPorts, listHidDevices, type SerialPortInfo, type HidDeviceInfo } from './enumerate.js';
export type { SourceOptions } from './device-source.js';
export type { HidBinding, HidHandle } from './hid-source.js';
export { SerialTapSource, VirtualPrinterSource, HidSource, EcrSerialSource };
export { AllowList, DEFAULT_LISTEN_HOST, isLoopback, isWildcard, parseHostPort, plainAddress, type HostPort } from './address.js';

export type CreateSourceOptions = SourceOptions & { hid?: HidBinding; hidPollMs?: number };

/** One source for one configured device. It reports its own failures as state; start() never throws for a device fault. */
export function createSource(device: DeviceConfig, sink: CaptureSink, opts: CreateSourceOptions): CaptureSource {
  switch (device.kind) {
    case 'serial_tap':
      return new SerialTapSource(device, sink, opts);
    case 'virtual_printer':
      return new VirtualPrinterSource(device, sink, opts);
    case 'hid':
      return new HidSource(device, sink, opts);
    case 'ecr_serial':
      return new EcrSerialSource(device, sink, opts);
  }
}

/** A device capture should run, and whether its jobs are journaled (false: it runs for the till only). */
export interface CapturePlan {
  device: DeviceConfig;
  journaling: boolean;
}

/** Every configured device, started and stopped together, each isolated from the others' failures. */
export class Capture {
  private running: Array<{ source: CaptureSource; config: string }> = [];

  constructor(
    devices: DeviceConfig[],
    private readonly sink: CaptureSink,
    private readonly opts: CreateSourceOptions & { log: Logger },
  ) {
    this.running = devices.map((d) => ({ source: createSource(d, sink, opts), config: JSON.stringify(d) }));
  }

  get sources(): CaptureSource[] {
    return this.running.map((r) => r.source);
  }

  async start(): Promise<void> {
    await Promise.allSettled(this.sources.map((s) => s.start()));
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.sources.map((s) => s.stop()));
  }

  /**
   * Runs exactly the planned devices: one whose settings did not change keeps running and only has its
   * journaling switched (a virtual printer's listener never closes for a flag or a pause), a changed
   * or removed one stops, a new one starts.
   */
  async apply(plan: CapturePlan[]): Promise<void> {
    const kept = new Map(this.running.map((r) => [r.config, r]));
    const next = plan.map(({ device, journaling }) => {
      const config = JSON.stringify(device);
      const old = kept.get(config);
      kept.delete(config);
      const entry = old ?? { source: createSource(device, this.sink, this.opts), config };
      entry.source.setJournaling(journaling);
      return { entry, fresh: !old };
    });
    await Promise.allSettled([...kept.values()].map((r) => r.source.stop()));
    this.running = next.map((n) => n.entry);
    await Promise.allSettled(next.filter((n) => n.fresh).map((n) => n.entry.source.start()));
  }

  status(): DeviceState[] {
    return this.sources.map((s) => s.status());
  }
}
