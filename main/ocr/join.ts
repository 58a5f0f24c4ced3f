// A receipt's printed pictures read and joined to its text lines, in print order, with where each read line sits and how sure the engine was.
import type { DecodedLine, DecodedReceipt, LineStyle, Picture } from '../escpos/types.js';
import { holdsText } from './image.js';
import { meanConfidence, type OcrText, type OcrWord } from './text.js';
import { unreadPrint, type PrintBox } from './unread.js';

/** Lines of a receipt that were read from its pictures: their index in `receipt.lines`, confidence (0 to 1) and words. */
export interface PictureLines {
  lines: Array<{ line: number; confidence: number; words: OcrWord[] }>;
  /** Mean word confidence over every picture read. */
  confidence: number;
  /** Pictures read (those too small to hold text are not). */
  pictures: number;
  /** Stretches of print on the pictures that no read word covers (unreadPrint): text the engine skipped. */
  unread: PrintBox[];
}

/** The pictures of a receipt that may hold text (not logos, rules or stamps), in print order. */
export function picturesToRead(receipt: DecodedReceipt): Picture[] {
  return (receipt.pictures ?? []).filter((p) => p.kind === 'raster' && holdsText(p));
}

/** Whether the receipt's text is not known until its pictures are read. */
export function needsReading(receipt: DecodedReceipt): boolean {
  return picturesToRead(receipt).length > 0;
}

const PLAIN: Omit<LineStyle, 'align'> = { bold: false, underline: false, doubleWidth: false, doubleHeight: false, reverse: false };

/**
 * The receipt with each read picture's lines put where the picture printed (between the text lines
 * around it). `reads` holds one OcrText per picture of picturesToRead(receipt), in that order.
 */
export function joinPictureText(receipt: DecodedReceipt, reads: OcrText[]): { receipt: DecodedReceipt; read: PictureLines } {
  const pictures = picturesToRead(receipt);
  if (pictures.length !== reads.length) throw new RangeError(`${pictures.length} pictures to read but ${reads.length} read`);
  const lines: DecodedLine[] = [];
  const read: PictureLines['lines'] = [];
  let next = 0;
  // Each picture's place among the joined lines: its read lines start there.
  const placed = new Map<Picture, number>();
  const insert = (text: OcrText): void => {
    placed.set(pictures[next - 1]!, lines.length);
    for (const l of text.lines) {
      read.push({ line: lines.length, confidence: l.confidence, words: l.words });
      lines.push({ text: l.text, style: { ...PLAIN, align: 'left' } });
    }
  };
  receipt.lines.forEach((line, i) => {
    while (next < pictures.length && pictures[next]!.line <= i) insert(reads[next++]!);
    lines.push(line);
  });
  while (next < pictures.length) insert(reads[next++]!);
  // A picture not read (a logo) moves down by the lines read from the pictures printed before it.
  let shift = 0;
  const all = (receipt.pictures ?? []).map((p) => {
    const at = placed.get(p);
    if (at === undefined) return { ...p, line: p.line + shift };
    shift += reads[pictures.indexOf(p)]!.lines.length;
    return { ...p, line: at };
  });
  return { receipt: { ...receipt, lines, pictures: all }, read: { lines: read, confidence: meanConfidence(read.flatMap((l) => l.words)), pictures: pictures.length, unread: pictures.flatMap((p, i) => unreadPrint(p, reads[i]!)) } };
}
