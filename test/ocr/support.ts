// Receipts printed as pictures for the OCR tests: rendered from sandbox specs at 58 and 80 mm, in a monospaced and a proportional font.
import type { Bitmap, DecodedReceipt, Picture } from '../../main/escpos/types.js';
import { randomReceiptSpec, type ReceiptSpec } from '../../sandbox/receipt-printer.js';
import { mulberry32 } from '../../sandbox/seeded-random.js';
import { renderReceipt, type PaperDots, type ReceiptFont } from '../support/render-receipt.js';

export interface RenderedCase {
  spec: ReceiptSpec;
  dots: PaperDots;
  font: ReceiptFont;
  bitmap: Bitmap;
}

/** Layouts whose columns fit 32 characters (the restaurant and column layouts need 42 or more). */
const NARROW = new Set(['supermarket', 'fuel', 'pharmacy', 'two-line', 'refund']);

/** `perCombination` receipts for each of 384 and 576 dots × mono and proportional, from a seed. */
export function renderedCases(seed: number, perCombination: number): RenderedCase[] {
  const rng = mulberry32(seed);
  const out: RenderedCase[] = [];
  for (const dots of [384, 576] as const) {
    for (const font of ['mono', 'proportional'] as const) {
      for (let n = 0; n < perCombination; ) {
        const spec = randomReceiptSpec(rng);
        if (dots === 384 && !NARROW.has(spec.layout)) continue;
        const sized: ReceiptSpec = { ...spec, width: dots === 384 ? 32 : spec.width === 32 ? 48 : spec.width };
        out.push({ spec: sized, dots, font, bitmap: renderReceipt(sized, dots, font) });
        n++;
      }
    }
  }
  return out;
}

/** A decoded receipt holding nothing but one picture, as the decoder gives a driver's raster job. */
export function pictureReceipt(bitmap: Bitmap, source = 'GS v 0'): DecodedReceipt {
  const picture: Picture = { ...bitmap, kind: 'raster', source, line: 0, align: 'left', paperDots: bitmap.width, offset: 0 };
  return { lines: [], qr: [], pdf417: [], barcodes: [], images: 1, pictures: [picture], end: 'cut', warnings: [], raw: bitmap.data };
}
