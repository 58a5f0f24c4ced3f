// What capture hands to the engine (jobs, terminal events, device states) and the shape every device source has.
import type { ReceiptEnd } from '../escpos/types.js';
import type { Integration } from '../receipts/transaction.js';
import type { DeviceKind } from './config.js';

/** One print job as the POS sent it: the exact bytes, to be journaled before anything parses them. */
export interface CapturedJob {
  /** The configured device id (every lane of a virtual printer too: ids never depend on a lane's address). */
  deviceId: string;
  integration: Integration;
  bytes: Uint8Array;
  capturedAt: string;
  end: ReceiptEnd;
  /**
   * The code page in force at the job's first byte (the decoder's startCodepage). A receipt that does
   * not begin with ESC @ inherits the page an earlier one selected; the journal keeps this so a
   * re-decode reads the same text. Absent when the decoder failed on the job (the device's page is used).
   */
  codepage?: string;
  /** The source address of the TCP lane the job came from (transaction `source.address`, cloud-api.md §3). */
  address?: string;
  /** The byte stream the job was cut from and its offset just past the job's last byte: the staged bytes its journal commit releases. */
  consumes?: { stream: string; end: number };
}

/** Bytes as they arrive on one stream (a port, or one lane of a virtual printer), before any receipt is complete. */
export interface CapturedChunk {
  stream: string;
  deviceId: string;
  integration: Integration;
  /** Offset of the chunk's first byte in its stream. */
  start: number;
  bytes: Uint8Array;
  at: string;
  /** The lane's source address (virtual printer over TCP), kept so a restart's recovery records it too. */
  address?: string;
}

/** One message from a payment terminal. Card numbers never appear here: only the last four digits. */
export interface TerminalEvent {
  deviceId: string;
  amountKobo: number;
  approved: boolean;
  approvalCode?: string;
  cardLast4?: string;
  at: string;
}

export type DeviceStatus =
  | 'starting'
  | 'detecting_baud'
  | 'connected'
  | 'listening'
  | 'disconnected'
  | 'reconnecting'
  | 'error'
  | 'stopped';

export interface DeviceState {
  deviceId: string;
  kind: DeviceKind;
  status: DeviceStatus;
  /** What the status means for the merchant, and what to do when something is wrong. */
  detail: string;
  /** Bytes (or HID reports' payload bytes) received since start. */
  bytes: number;
  jobs: number;
  /** Bytes with nothing printable that followed a receipt's end when the stream closed (not journaled). */
  unclaimedBytes: number;
  lastDataAt: string | null;
  /** Serial devices: the rate in use and whether it came from the config or from auto-baud. */
  baud?: { rate: number | null; source: 'config' | 'auto'; score?: number };
  /** Virtual printer: open POS connections and the real printer's state. */
  lanes?: string[];
  printer?: 'none' | 'connected' | 'absent';
  /** Virtual printer over TCP: the address actually listened on. */
  endpoint?: string;
  /** Bytes waiting for the real printer. */
  queuedBytes?: number;
  /** Virtual printer over TCP: connections refused (lane limit reached with none idle, or a source not in `allow`), the last with its address. */
  refused?: { laneLimit: number; notAllowed: number; last: { address: string; reason: 'lane_limit' | 'not_allowed'; at: string } | null };
  /** Virtual printer over TCP: connections closed for sending nothing for idle_timeout_ms, or as the longest idle when the lane limit was reached. */
  closedIdle?: number;
  /** False while capture is switched off (kill switch, integration flag, pause): the device runs, nothing is journaled. */
  journaling?: boolean;
  /** Set while the device has been silent too long inside business hours. */
  silentSince: string | null;
  error: { code: string; message: string } | null;
}

/** Where capture delivers. Called synchronously on the data path: it must not block; capture never awaits it. */
export interface CaptureSink {
  /**
   * Every chunk as it arrives, before the decoder looks for the receipt's end: the engine stages it
   * durably, so a crash mid-receipt loses nothing. Optional: a sink that only wants jobs leaves it out.
   */
  chunk?(chunk: CapturedChunk): void;
  /** A stream's bytes up to `end` are accounted for without a job (nothing printable after the last cut). */
  consumed?(stream: string, end: number): void;
  job(job: CapturedJob): void;
  terminalEvent(event: TerminalEvent): void;
  deviceState(state: DeviceState): void;
}

export interface CaptureSource {
  readonly deviceId: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): DeviceState;
  /** Keep running but journal nothing (false), or journal again (true). */
  setJournaling(on: boolean): void;
}

/** Milliseconds since the epoch; injected so back-off and silence tests need no waiting. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A capture error with a stable code and a message saying what to do next. */
export class CaptureError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CaptureError';
  }
}
