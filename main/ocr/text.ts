// What the engine read in a picture, as receipt lines: words in reading order, gaps kept as spaces so columns survive, each word's confidence.
import type { Page } from 'tesseract.js';

export interface OcrWord {
  text: string;
  /** The engine's confidence in the word, 0 to 1. */
  confidence: number;
  /** Where the word is in the picture, in dots. */
  box?: { x0: number; y0: number; x1: number; y1: number };
  /** An amount the engine read otherwise when it read the word again on its own: the receipt's arithmetic may choose it instead. */
  alternatives?: Array<{ text: string; confidence: number }>;
  /** A word read as letters some of whose letters have the dots of digits elsewhere on the receipt: the word with those digits ("Seeml" → "500ml"). */
  digitsInDots?: string;
}

/** Letters the engine reads for digits in printed figures, each with the digit it stands for ("1,25O.00", "RO71012"). */
export const LOOK_ALIKES: Readonly<Record<string, string>> = { O: '0', o: '0', D: '0', Q: '0', I: '1', l: '1', '|': '1', i: '1', S: '5', s: '5', B: '8', Z: '2', z: '2', g: '9' };
/** A look-alike letter next to a digit ("RO10431": R010431 or RO10431?). */
export const LOOK_ALIKE_BESIDE_DIGIT = /[OoDQIl|iSsBZzg](?=\d)|(?<=\d)[OoDQIl|iSsBZzg]/;

/** A month's name between a day and a year with a digit read for one of its letters ("15-0ct-2025", "03 N0v 2026"). */
const MONTH_WITH_DIGIT = /(?<=(?:^|\s)\d{1,2}[-/. ])([A-Za-z015]{3})(?=[-/. ]\d{2,4}(?:\s|$))/g;
const MONTHS = new Set(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']);
const DIGIT_AS_LETTER: Readonly<Record<string, string>> = { '0': 'O', '1': 'l', '5': 'S' };

/** The text with each month's name read with a digit for a letter given its letters back, as the parser reads it ("19-0ct-2027" → "19-Oct-2027"). */
export function monthsAsLetters(text: string): string {
  return text.replace(MONTH_WITH_DIGIT, (word: string) => {
    if (!/\d/.test(word)) return word;
    const letters = word.replace(/[015]/g, (d) => DIGIT_AS_LETTER[d]!);
    return MONTHS.has(letters.toLowerCase()) ? letters : word;
  });
}

/** A confidence as it is stored and shown: two decimals. */
export function roundConfidence(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The mean confidence of some words (0 when there are none). */
export function meanConfidence(words: ReadonlyArray<{ confidence: number }>): number {
  return words.length ? words.reduce((s, w) => s + w.confidence, 0) / words.length : 0;
}

export interface OcrLine {
  /** The line with its columns: a wide gap between words is several spaces, as on a text receipt. */
  text: string;
  /** The mean confidence of its words, 0 to 1. */
  confidence: number;
  words: OcrWord[];
  /** Top of the line in the picture, in dots. */
  y: number;
}

export interface OcrText {
  lines: OcrLine[];
  /** Mean word confidence over the picture, 0 to 1 (0 when nothing was read). */
  confidence: number;
}

/** The engine's page as lines; `top` is where the image it read starts in the picture (its blank rows were cut). */
export function linesOf(page: Page, top = 0, left = 0, scale = 1): OcrText {
  const raw: Array<{ words: OcrWord[]; y: number }> = [];
  for (const block of page.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        const words = line.words
          .map((w) => ({
            text: w.text.trim(),
            confidence: w.confidence / 100,
            box: { x0: w.bbox.x0 / scale + left, y0: w.bbox.y0 / scale + top, x1: w.bbox.x1 / scale + left, y1: w.bbox.y1 / scale + top },
          }))
          // Every word is kept, however unsure: a field read from an unsure word sends the receipt to review.
          .filter((w) => w.text !== '');
        if (words.length) raw.push({ words, y: line.bbox.y0 / scale + top });
      }
    }
  }
  return laidOut(raw);
}

/** An amount as printed ("1,330.00", "N3,472.08", "-0.24"): the receipt's arithmetic checks it, whichever reading it came from. */
export const AMOUNT_WORD = /^[-+]?(?:NGN|N)?(?:\d{1,3}(?:[,.]\d{3})+|\d+)[.,]\d{2}$/;

/** An amount's digits up to its thousands comma ("N4,", "-16,"), and the rest of it ("088.00", "860.07E"). */
const AMOUNT_HEAD = /^[-+]?(?:NGN|N)?\d{1,3},$/;
const AMOUNT_TAIL = /^\d{3}(?:,\d{3})*\.\d{2}[A-Z]?$/;

/**
 * A line's words with an amount the engine parted after its thousands comma ("N4," "088.00") made one
 * word again when less than two characters' width (`cell`) parts them (the engine's boxes leave a gap
 * about a character wide there now and then: "N6, 023.00"): read apart, the total would be 88.00. The
 * joined word is as sure as the less sure of the two; the arithmetic checks it as any amount.
 */
function joinedAmounts(words: OcrWord[], cell: number): OcrWord[] {
  const out: OcrWord[] = [];
  for (const w of words) {
    const prev = out.at(-1);
    if (prev?.box && w.box && AMOUNT_HEAD.test(prev.text) && AMOUNT_TAIL.test(w.text) && w.box.x0 - prev.box.x1 < 2 * cell) {
      out[out.length - 1] = {
        text: prev.text + w.text,
        confidence: Math.min(prev.confidence, w.confidence),
        box: { x0: prev.box.x0, y0: Math.min(prev.box.y0, w.box.y0), x1: w.box.x1, y1: Math.max(prev.box.y1, w.box.y1) },
      };
      continue;
    }
    out.push(w);
  }
  return out.length === words.length ? words : out;
}

/**
 * Lines of words (each with its box in the picture, in dots) as receipt lines, top to bottom: each
 * indented from the picture's left margin and its words spaced by the gaps between them, counted in
 * characters (the median width of a character over every word), so columns survive.
 */
export function laidOut(read: ReadonlyArray<{ words: OcrWord[]; y: number }>): OcrText {
  const raw = read.filter((l) => l.words.length > 0 && l.words.every((w) => w.box)).sort((a, b) => a.y - b.y);
  const box = (w: OcrWord): NonNullable<OcrWord['box']> => w.box!;
  // One character's width across the picture: the median over words (a receipt keeps one font size for most lines).
  const widths = raw.flatMap((l) => l.words.map((w) => (box(w).x1 - box(w).x0) / Math.max(1, [...w.text].length))).sort((a, b) => a - b);
  const cell = Math.max(1e-3, widths.length ? widths[Math.floor(widths.length / 2)]! : 12);
  const margin = raw.length ? Math.min(...raw.map((l) => box(l.words[0]!).x0)) : 0;
  const lines = raw.map((read): OcrLine => {
    const l = { ...read, words: joinedAmounts(read.words, cell) };
    let text = ' '.repeat(Math.max(0, Math.round((box(l.words[0]!).x0 - margin) / cell)));
    l.words.forEach((w, i) => {
      if (i > 0) text += ' '.repeat(Math.max(1, Math.round((box(w).x0 - box(l.words[i - 1]!).x1) / cell)));
      text += w.text;
    });
    return { text, confidence: meanConfidence(l.words), words: l.words, y: l.y };
  });
  return { lines, confidence: meanConfidence(lines.flatMap((l) => l.words)) };
}
