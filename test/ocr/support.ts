// Receipts printed as pictures for the OCR tests: rendered from sandbox specs at 58 and 80 mm, in a monospaced and a proportional font.
import type { Bitmap } from '../../main/escpos/types.js';
import { rasterJob, toEscStar, toGsL, toGsV0, type Dialect } from '../support/raster-escpos.js';
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


/** The dialects a driver may send a receipt picture in, as each test case rotates through them. */
export const DIALECTS: Dialect[] = ['GS v 0', 'ESC *', 'GS ( L', 'GS 8 L'];

/** A print job holding the bitmap as one receipt in a raster dialect, as a Windows driver sends it (bands, 24-dot stripes, store-and-print). */
export function rasterReceiptJob(bitmap: Bitmap, dialect: Dialect): Uint8Array {
  switch (dialect) {
    case 'GS v 0':
      return rasterJob(toGsV0(bitmap, { band: 24 }));
    case 'ESC *':
      return rasterJob(toEscStar(bitmap, { mode: 33 }));
    case 'GS ( L':
      return rasterJob(toGsL(bitmap));
    case 'GS 8 L':
      return rasterJob(toGsL(bitmap, { big: true }));
  }
}

/**
 * The `index`-th receipt the generator makes from `seed` (a 32-column layout widened to 42, as the OCR
 * bench does), drawn 576 dots wide in `font`: a case met on a seed, kept as a test.
 */
export function generatedCase(seed: number, index: number, font: 'mono' | 'proportional'): { spec: ReceiptSpec; bitmap: Bitmap } {
  const rng = mulberry32(seed);
  let spec = randomReceiptSpec(rng);
  for (let i = 0; i < index; i++) spec = randomReceiptSpec(rng);
  const sized: ReceiptSpec = { ...spec, width: spec.width === 32 ? 42 : spec.width };
  return { spec: sized, bitmap: renderReceipt(sized, 576, font) };
}
