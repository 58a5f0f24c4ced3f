// The store's surface as the other stages see it: journal entries in, outbox rows out, states and their moves.
import type { Integration, Transaction } from '../receipts/transaction.js';

/**
 * pending → in_flight → accepted | duplicate | rejected; review (does not add up) and unparsed (could not be read) wait for a person;
 * reading: printed as a picture, its text being read (OCR), then pending, review or unparsed.
 */
export const OUTBOX_STATES = ['pending', 'in_flight', 'accepted', 'duplicate', 'rejected', 'review', 'unparsed', 'reading'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

export interface Problem {
  code: string;
  field: string;
  message: string;
}

export interface JournalEntry {
  /**
   * Deterministic from device id + raw bytes (transactionId): a print job's id, which is also the id of
   * its transaction when it holds one receipt; a receipt read back from a job of several has its own.
   */
  id: string;
  deviceId: string;
  integration: Integration;
  capturedAt: string;
  sha256: string;
  bytes: Uint8Array;
}

export interface OutboxRow {
  id: string;
  deviceId: string;
  state: OutboxState;
  transaction: Transaction | null;
  problems: Problem[];
  attempts: number;
  lastError: string | null;
  irn: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Where one receipt lies in its print job's bytes: the outbox row points at the job's journal row and this range. */
export interface ReceiptRange {
  /** 0 for the first receipt of the job. */
  index: number;
  start: number;
  end: number;
  /** The code page in force at the receipt's first byte, when an earlier receipt of the job selected it. */
  codepage?: string;
}

/** The outcome of parsing one receipt of a journaled job, as the outbox records it. */
export interface ParsedJob {
  /** The receipt's transaction id. */
  id: string;
  state: 'pending' | 'review' | 'unparsed' | 'reading';
  transaction: Transaction | null;
  problems: Problem[];
  /** The capturing device, when the caller knows it (saves a journal look-up). */
  deviceId?: string;
  /** The journal row holding the job (absent: the job this process journaled as `job ?? id`). */
  seq?: number;
  /** The id of the print job the receipt was cut from, when that is not the receipt's own id. */
  job?: string;
  /** The receipt's bytes within the job (absent: the whole job). */
  receipt?: ReceiptRange;
  /** Read from pictures: each such line of `transaction.raw.text`, its words (card numbers masked) with the engine's confidence. */
  ocr?: PictureWords;
}

/** The lines of a receipt read from its pictures, each word with the OCR engine's confidence (0 to 1). */
export interface PictureWords {
  lines: Array<{ line: number; words: Array<{ text: string; confidence: number }> }>;
}

/** What the cloud forwarder needs of the outbox. */
export interface ForwardQueue {
  /** Moves up to maxItems pending rows (whose transactions' JSON fits in maxBytes together) to in_flight, oldest first. */
  claim(maxItems: number, maxBytes: number): Array<{ id: string; json: string }>;
  /** Returns in_flight rows to pending after a transient failure (attempts + 1, last error kept). */
  release(ids: string[], error: string): void;
  /** Applies the cloud's per-transaction results in one database transaction. */
  settle(results: Array<{ id: string; status: 'accepted' | 'duplicate' | 'rejected'; irn?: string; errors?: Problem[] }>): void;
  /** Rows per state. */
  counts(): Record<OutboxState, number>;
  /** Age in seconds of the oldest pending row, or null when none is pending. */
  oldestPendingAgeS(): number | null;
}
