// OCR stage: a receipt's printed pictures → text lines with confidence, read offline by a pool of tesseract.js workers.
import type { DecodedReceipt } from '../escpos/types.js';
import { joinPictureText, picturesToRead, type PictureLines } from './join.js';
import { OcrPool } from './pool.js';

export { OcrPool, OcrFailed, OCR_ENGINE, bundledLangPath, type OcrPoolOptions } from './pool.js';
export { holdsText, pbmOf, MIN_TEXT_HEIGHT, MIN_TEXT_WIDTH } from './image.js';
export { needsReading, picturesToRead, joinPictureText, type PictureLines } from './join.js';
export type { OcrLine, OcrText, OcrWord } from './text.js';

/**
 * Reads the receipt's pictures that hold text (all at once in the pool) and joins their lines to its
 * text lines. Null when it has none to read: its text is already all there is.
 */
export async function readPictures(receipt: DecodedReceipt, pool: OcrPool): Promise<{ receipt: DecodedReceipt; read: PictureLines } | null> {
  const pictures = picturesToRead(receipt);
  if (pictures.length === 0) return null;
  const reads = await Promise.all(pictures.map((p) => pool.recognize(p)));
  return joinPictureText(receipt, reads);
}

/**
 * Every receipt with its pictures read (null: nothing to read), by a pool started only if one needs it
 * and stopped after: for one-shot commands (`decode`, `parse`, `ingest`), which wait for the text.
 */
export async function readAll(receipts: DecodedReceipt[]): Promise<Array<{ receipt: DecodedReceipt; read: PictureLines | null }>> {
  if (!receipts.some((r) => picturesToRead(r).length > 0)) return receipts.map((receipt) => ({ receipt, read: null }));
  const pool = new OcrPool({ idleMs: 0 });
  try {
    const out: Array<{ receipt: DecodedReceipt; read: PictureLines | null }> = [];
    for (const receipt of receipts) {
      const joined = await readPictures(receipt, pool);
      out.push(joined ?? { receipt, read: null });
    }
    return out;
  } finally {
    await pool.close();
  }
}
