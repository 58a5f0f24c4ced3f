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

/** Every configured device, started and stopped together, each isolated from the others' failures. */
export class Capture {
  readonly sources: CaptureSource[];

  constructor(devices: DeviceConfig[], sink: CaptureSink, opts: CreateSourceOptions & { log: Logger }) {
    this.sources = devices.map((d) => createSource(d, sink, opts));
  }

  async start(): Promise<void> {
    await Promise.allSettled(this.sources.map((s) => s.start()));
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.sources.map((s) => s.stop()));
  }

  status(): DeviceState[] {
    return this.sources.map((s) => s.status());
  }
}
