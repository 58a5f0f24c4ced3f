// OCR stage: a receipt's printed pictures → text lines with confidence, read offline by a pool of tesseract.js workers.
import type { DecodedReceipt } from '../escpos/types.js';
import type { Bitmap } from '../escpos/types.js';
import { cropBitmap } from './image.js';
import { joinPictureText, picturesToRead, type PictureLines } from './join.js';
import { OcrPool } from './pool.js';
import type { OcrText } from './text.js';

export { OcrPool, OcrFailed, OCR_ENGINE, bundledLangPath, type OcrPoolOptions } from './pool.js';
export { holdsText, pictureFile, MIN_TEXT_HEIGHT, MIN_TEXT_WIDTH } from './image.js';
export { needsReading, picturesToRead, joinPictureText, type PictureLines } from './join.js';
export type { OcrLine, OcrText, OcrWord } from './text.js';

/**
 * Reads the receipt's pictures that hold text (all at once in the pool) and joins their lines to its
 * text lines. Null when it has none to read: its text is already all there is.
 */
export async function readPictures(receipt: DecodedReceipt, pool: OcrPool): Promise<{ receipt: DecodedReceipt; read: PictureLines } | null> {
  const pictures = picturesToRead(receipt);
  if (pictures.length === 0) return null;
  const reads = await Promise.all(pictures.map(async (p) => recheck(p, await pool.recognize(p), pool)));
  return joinPictureText(receipt, reads);
}

/** Below this a word holding digits is read a second time on its own. */
const RECHECK_BELOW = 0.8;

/**
 * A second reading of each unsure word with digits, cut out of the picture with a little white
 * around it: on a long receipt line the engine is often unsure of a right-aligned amount it reads
 * perfectly alone. When both readings agree the word takes the better confidence; when they differ
 * it keeps the lower one (the receipt will go to review if a field depends on it).
 */
async function recheck(picture: Bitmap, text: OcrText, pool: OcrPool): Promise<OcrText> {
  for (const line of text.lines) {
    for (const word of line.words) {
      if (word.confidence >= RECHECK_BELOW || !word.box || !/\d/.test(word.text)) continue;
      const h = word.box.y1 - word.box.y0;
      const alone = await pool.recognize(cropBitmap(picture, { x0: word.box.x0 - h, y0: word.box.y0 - h / 2, x1: word.box.x1 + h, y1: word.box.y1 + h / 2 }));
      const again = alone.lines.flatMap((l) => l.words);
      if (again.map((w) => w.text).join('') === word.text) word.confidence = Math.max(word.confidence, Math.min(...again.map((w) => w.confidence)));
      else if (again.length) word.confidence = Math.min(word.confidence, ...again.map((w) => w.confidence));
    }
    line.confidence = line.words.reduce((s, w) => s + w.confidence, 0) / Math.max(1, line.words.length);
  }
  const words = text.lines.flatMap((l) => l.words);
  text.confidence = words.reduce((s, w) => s + w.confidence, 0) / Math.max(1, words.length);
  return text;
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
