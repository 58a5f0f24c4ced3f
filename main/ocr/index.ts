// OCR stage: a receipt's printed pictures → text lines with confidence, read offline by a pool of tesseract.js workers.
import type { DecodedReceipt } from '../escpos/types.js';
import type { Bitmap } from '../escpos/types.js';
import { cropBitmap } from './image.js';
import { joinPictureText, picturesToRead, type PictureLines } from './join.js';
import { OcrPool } from './pool.js';
import { laidOut, meanConfidence, type OcrText, type OcrWord } from './text.js';
import { withGlyphs } from './glyphs.js';

export { OcrPool, OcrFailed, OCR_ENGINE, bundledLangPath, type OcrPoolOptions } from './pool.js';
export { holdsText, pictureFile, MIN_TEXT_HEIGHT, MIN_TEXT_WIDTH } from './image.js';
export { needsReading, picturesToRead, joinPictureText, type PictureLines } from './join.js';
export { roundConfidence, type OcrLine, type OcrText, type OcrWord } from './text.js';

/** What a caller says of a reading: whether it settles the receipt (for a parser: it parses `ok`). */
export type Settles = (read: { receipt: DecodedReceipt; read: PictureLines }) => boolean;

/**
 * The scale of the second reading. Thermal text is small (x-height about 10 dots); drawn twice as big
 * the engine segments and recognises it differently, and reads right many of the lines the first
 * reading was unsure of.
 */
export const SECOND_READING_SCALE = 2;

/**
 * Reads the receipt's pictures that hold text (all at once in the pool) and joins their lines to its
 * text lines. Null when it has none to read: its text is already all there is. When `settles` says the
 * reading does not settle the receipt (a misread digit broke its arithmetic, or a field was unsure),
 * each line holding an unsure word is read again on its own at SECOND_READING_SCALE (rereadUnsure),
 * checked against the first reading (crossCheck), and that reading is kept if it settles: a second
 * opinion of the engine, never a digit made up; when neither settles the first stands. (Reading the
 * whole picture again at twice the size, as before, read no more receipts right on the test
 * generator's seeds 1602 and 1603 once the unsure lines were read again, and took a p90 of 1.6 s
 * instead of 1.0 s.)
 */
export async function readPictures(receipt: DecodedReceipt, pool: OcrPool, settles?: Settles): Promise<{ receipt: DecodedReceipt; read: PictureLines } | null> {
  const pictures = picturesToRead(receipt);
  if (pictures.length === 0) return null;
  const firstTexts = await Promise.all(pictures.map(async (p) => recheck(p, withGlyphs(p, await pool.recognize(p)), pool)));
  const first = joinPictureText(receipt, firstTexts);
  if (!settles || settles(first)) return first;
  const again = await Promise.all(pictures.map((p, i) => rereadUnsure(p, firstTexts[i]!, pool, SECOND_READING_SCALE)));
  if (!again.some((r) => r.reread)) return first;
  const second = joinPictureText(receipt, again.map((r, i) => withGlyphs(pictures[i]!, crossCheck(r.text, firstTexts[i]!))));
  return settles(second) ? second : first;
}

/**
 * The reading with each line holding an unsure word (below RECHECK_BELOW) read again on its own, the
 * whole width of the picture from its words' top to their bottom, at `scale`. A line that does not
 * come back as one line stays as it was; the first reading is not changed. `reread`: lines read again.
 */
async function rereadUnsure(picture: Bitmap, text: OcrText, pool: OcrPool, scale: number): Promise<{ text: OcrText; reread: number }> {
  let reread = 0;
  const lines = await Promise.all(
    text.lines.map(async (line) => {
      const same = { words: line.words.map((w) => ({ ...w })), y: line.y };
      const boxes = line.words.flatMap((w) => (w.box ? [w.box] : []));
      if (!line.words.some((w) => w.confidence < RECHECK_BELOW) || boxes.length !== line.words.length) return same;
      const y0 = Math.min(...boxes.map((b) => b.y0));
      const y1 = Math.max(...boxes.map((b) => b.y1));
      // A little white above and below, less than the blank rows between printed lines.
      const pad = Math.max(2, Math.round((y1 - y0) * 0.15));
      const top = Math.max(0, Math.floor(y0 - pad));
      reread++;
      const alone = await pool.recognize(cropBitmap(picture, { x0: 0, y0: top, x1: picture.width, y1: y1 + pad }), scale);
      if (alone.lines.length !== 1) return same;
      return { words: alone.lines[0]!.words.map((w) => ({ ...w, ...(w.box ? { box: { ...w.box, y0: w.box.y0 + top, y1: w.box.y1 + top } } : {}) })), y: alone.lines[0]!.y + top };
    }),
  );
  return { text: laidOut(lines), reread };
}

/** An amount as printed ("1,330.00", "N3,472.08", "-0.24"): the receipt's arithmetic checks it, whichever reading it came from. */
const AMOUNT_WORD = /^[-+]?(?:NGN|N)?(?:\d{1,3}(?:[,.]\d{3})+|\d+)[.,]\d{2}$/;

/**
 * The second reading with each word holding digits that is not an amount (a receipt number, a date,
 * a time, a card's last four) checked against the first reading: where the first read other text in
 * its place, the word gets half the lower of the two confidences (below what any field needs). Nothing on the receipt checks an
 * identifier, and a second reading that is sure of it is not always right (the test generator's
 * R794129 read at 54 % the first time, R784129 at 90 % the second): two readings that disagree send the
 * field to review. Amounts are left as read: the second reading is there to mend them, and the
 * arithmetic checks them.
 */
export function crossCheck(second: OcrText, first: OcrText): OcrText {
  const before = first.lines.flatMap((l) => l.words).filter((w) => w.box);
  for (const line of second.lines) {
    for (const word of line.words) {
      if (!word.box || !/\d/.test(word.text) || AMOUNT_WORD.test(word.text)) continue;
      const b = word.box;
      const there = before.filter((w) => overlap(w.box!, b) > 0.5 * Math.min(area(w.box!), area(b)));
      if (there.length === 0) continue;
      // Two readings that disagree: half the lower confidence, below what any field needs.
      if (there.map((w) => w.text).join('') !== word.text) word.confidence = Math.min(word.confidence, ...there.map((w) => w.confidence)) / 2;
    }
    line.confidence = meanConfidence(line.words);
  }
  second.confidence = meanConfidence(second.lines.flatMap((l) => l.words));
  return second;
}

type Box = NonNullable<OcrWord['box']>;
const area = (b: Box): number => Math.max(0, b.x1 - b.x0) * Math.max(0, b.y1 - b.y0);
const overlap = (a: Box, b: Box): number => Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0)) * Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));

/**
 * Below this a word holding digits is read a second time on its own, unless the receipt's own glyphs
 * confirmed it (main/ocr/glyphs.ts). On the test generator's seeds 1602 and 1603, 0.86 read 58 of 80
 * right instead of 57 at 0.85, with 33 read twice instead of 36; since identifiers need 0.9, 0.91 read
 * no more held-out receipts right than 0.86 (36 of 40) and took a median 826 ms instead of 648 ms.
 */
const RECHECK_BELOW = 0.86;

/**
 * A second reading of each unsure word with digits, cut out of the picture with a little white
 * around it: on a long receipt line the engine is often unsure of a right-aligned amount it reads
 * perfectly alone. When both readings agree the word takes the better confidence; when they differ
 * it keeps the lower one (the receipt will go to review if a field depends on it), and an amount read
 * alone as another amount is kept beside it as an alternative the parser may choose by the arithmetic.
 */
async function recheck(picture: Bitmap, text: OcrText, pool: OcrPool): Promise<OcrText> {
  for (const line of text.lines) {
    for (const word of line.words) {
      if (word.confidence >= RECHECK_BELOW || !word.box || !/\d/.test(word.text)) continue;
      const h = word.box.y1 - word.box.y0;
      const alone = await pool.recognize(cropBitmap(picture, { x0: word.box.x0 - h, y0: word.box.y0 - h / 2, x1: word.box.x1 + h, y1: word.box.y1 + h / 2 }));
      const again = alone.lines.flatMap((l) => l.words);
      if (again.map((w) => w.text).join('') === word.text) word.confidence = Math.max(word.confidence, Math.min(...again.map((w) => w.confidence)));
      else if (again.length) {
        // An amount read as another amount: both readings are the engine's, and the arithmetic chooses (never a digit made up).
        if (again.length === 1 && AMOUNT_WORD.test(word.text) && AMOUNT_WORD.test(again[0]!.text)) word.alternatives = [{ text: again[0]!.text, confidence: again[0]!.confidence }];
        word.confidence = Math.min(word.confidence, ...again.map((w) => w.confidence));
      }
    }
    line.confidence = meanConfidence(line.words);
  }
  text.confidence = meanConfidence(text.lines.flatMap((l) => l.words));
  return text;
}

/**
 * Every receipt with its pictures read (null: nothing to read), by a pool started only if one needs it
 * and stopped after: for one-shot commands (`decode`, `parse`, `ingest`), which wait for the text.
 */
export async function readAll(receipts: DecodedReceipt[], settles?: Settles): Promise<Array<{ receipt: DecodedReceipt; read: PictureLines | null }>> {
  if (!receipts.some((r) => picturesToRead(r).length > 0)) return receipts.map((receipt) => ({ receipt, read: null }));
  const pool = new OcrPool({ idleMs: 0 });
  try {
    const out: Array<{ receipt: DecodedReceipt; read: PictureLines | null }> = [];
    for (const receipt of receipts) {
      const joined = await readPictures(receipt, pool, settles);
      out.push(joined ?? { receipt, read: null });
    }
    return out;
  } finally {
    await pool.close();
  }
}
