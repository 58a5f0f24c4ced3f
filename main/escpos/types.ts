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
  code: 'unknown_command' | 'truncated_block' | 'invalid_parameter' | 'junk_before_init' | 'resync' | 'suspect_encoding';
  /** Byte offset in the receipt's raw bytes where the problem starts. */
  offset: number;
  message: string;
}

export interface Barcode {
  /** Symbology name as ESC/POS GS k calls it, e.g. 'CODE128', 'EAN13', 'UPC-E'. */
  type: string;
  value: string;
}

/** A 2D code the receipt printed (GS ( k): QR, PDF417, MaxiCode, GS1 DataBar, Composite, Aztec, DataMatrix. */
export interface Code2D {
  type: 'QR' | 'PDF417' | 'MaxiCode' | 'GS1 DataBar' | 'Composite' | 'Aztec' | 'DataMatrix';
  value: string;
}

/**
 * A 1-bit picture: `data` holds `height` rows of `ceil(width / 8)` bytes each, most significant bit
 * leftmost, 1 = black (a printed dot). The shape an OCR stage takes.
 */
export interface Bitmap {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A picture printed in a receipt, at its place among the text lines. */
export interface Picture extends Bitmap {
  /** 'raster': the dots are in the job; 'logo': a stored NV or downloaded image printed by reference (no dots, 0 × 0). */
  kind: 'raster' | 'logo';
  /** The command that printed it, e.g. 'GS v 0', 'ESC *', 'GS ( L', 'GS 8 L', 'FS p', 'GS /'. */
  source: string;
  /** Text lines printed before it: it sits between `lines[line - 1]` and `lines[line]`. */
  line: number;
  /** Justification in force (ESC a) when it printed. */
  align: LineStyle['align'];
  /** The paper width in dots the picture implies: 384 (58 mm), 576 (80 mm), or its own width when wider; 0 for a logo. */
  paperDots: number;
  /** Byte offset of its first command in the receipt's raw bytes. */
  offset: number;
}

/** A job that is not ESC/POS at all (a label or page printer's language), detected by its first bytes. */
export interface ForeignJob {
  /** 'TSPL', 'ZPL', 'EPL', 'PCL', 'PostScript', 'PDF'. */
  language: string;
  /** What to tell the merchant, e.g. "this is a TSPL label job, not a receipt". */
  reason: string;
}

export interface DecodedReceipt {
  lines: DecodedLine[];
  qr: string[];
  pdf417: string[];
  barcodes: Barcode[];
  /** Pictures printed (raster images and logos), each stripe run counted once; equals `pictures.length` when present. */
  images: number;
  /** Every 2D code printed, in order (QR and PDF417 are also in `qr` / `pdf417`). Always set by the decoder. */
  codes?: Code2D[];
  /** The pictures, in order, with their place among the lines. Always set by the decoder. */
  pictures?: Picture[];
  /** Set when the bytes are not ESC/POS (a label or page job): `lines` is then empty; hold the job, do not parse it. */
  notReceipt?: ForeignJob;
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
  /** Look for text that a different code page would read cleanly (`suspect_encoding`); default true. */
  checkEncoding?: boolean;
}
