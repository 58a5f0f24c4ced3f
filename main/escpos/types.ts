// The decoder's output: what a printed receipt looked like, as text lines with style, codes and warnings.

/** How a receipt ended (issue 4 §5). */
export type ReceiptEnd = 'cut' | 'partial_cut' | 'new_job' | 'idle' | 'end_of_data';

export interface LineStyle {
  bold: boolean;
  underline: boolean;
  doubleWidth: boolean;
  doubleHeight: boolean;
  reverse: boolean;
  align: 'left' | 'center' | 'right';
}

export interface DecodedLine {
  /** Unicode text, leading spaces kept so columns survive; never contains control characters. */
  text: string;
  style: LineStyle;
}

export interface DecoderWarning {
  code: 'unknown_command' | 'truncated_block' | 'invalid_parameter' | 'junk_before_init' | 'resync';
  /** Byte offset in the receipt's raw bytes where the problem starts. */
  offset: number;
  message: string;
}

export interface Barcode {
  /** Symbology name as ESC/POS GS k calls it, e.g. 'CODE128', 'EAN13', 'UPC-E'. */
  type: string;
  value: string;
}

export interface DecodedReceipt {
  lines: DecodedLine[];
  qr: string[];
  pdf417: string[];
  barcodes: Barcode[];
  images: number;
  end: ReceiptEnd;
  warnings: DecoderWarning[];
  /** The exact bytes this receipt was decoded from (the journal stores these). */
  raw: Uint8Array;
  /**
   * Code page in force when the receipt's first byte was read (the printer state carries over a cut).
   * Re-decode `raw` with `{ codepage: startCodepage }` to get the same text when the receipt does not start with ESC @.
   */
  startCodepage?: string;
}

/** A real-time or status request the POS sent to the printer; the virtual printer answers it when no real printer does. */
export interface StatusQuery {
  command: 'DLE EOT' | 'DLE ENQ' | 'DLE DC4' | 'GS r' | 'GS I';
  n: number;
  /** Offset of the command's first byte in the stream pushed so far. */
  offset: number;
}

export interface DecoderOptions {
  /** Code page in force after ESC @ (the printer's default), e.g. 'CP437', 'CP858', 'WPC1252'. */
  codepage?: string;
  /** Idle gap that ends a receipt that never cuts, in ms (default 2000). */
  idleMs?: number;
  /** Double-byte encoding FS & selects: 'GBK' (default), 'BIG5', 'SHIFT_JIS', 'EUC-KR'. A double-byte `codepage` implies it and starts in that mode. */
  doubleByte?: string;
}
