// The ESC/POS decoder's public surface: whole-job decode, the streaming decoder, receipt text, code pages, pictures and the paper image.
import { EscposStream } from './decoder.js';
import type { DecodedReceipt, DecoderOptions } from './types.js';

export { EscposStream, type DecoderStats } from './decoder.js';
export { charColumns, DEFAULT_COLUMNS, PAPER_COLUMNS, paperLines } from './paper.js';
export { encodePng, paperImage, paperWidth, type PaperImageOptions } from './page.js';
export { dotAt, PAPER_DOTS, paperDotsFor, rowBytes, scaleBitmap } from './raster.js';
export { canonicalCodepage, listCodepages, UnknownCodepageError } from './codepages.js';
export type {
  Barcode,
  Bitmap,
  Code2D,
  DecodedLine,
  DecodedReceipt,
  DecoderOptions,
  DecoderWarning,
  ForeignJob,
  LineStyle,
  Picture,
  ReceiptEnd,
  StatusQuery,
} from './types.js';

/** Decodes a whole print job; trailing content ends with 'end_of_data'. Throws UnknownCodepageError for a bad `codepage`. */
export function decode(bytes: Uint8Array, options?: DecoderOptions): DecodedReceipt[] {
  const stream = new EscposStream(options);
  const { receipts } = stream.push(bytes, 0);
  const rest = stream.end();
  return rest.length > 0 ? receipts.concat(rest) : receipts;
}

/** The receipt's text: its lines joined by "\n". */
export function receiptText(receipt: DecodedReceipt): string {
  let out = '';
  for (let k = 0; k < receipt.lines.length; k++) {
    if (k > 0) out += '\n';
    out += (receipt.lines[k] as { text: string }).text;
  }
  return out;
}
