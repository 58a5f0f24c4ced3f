// The receipt's own glyphs as a second reader: a printer driver draws every "7" of a receipt from the same font at the same size, so a character's dots match the dots of the same character elsewhere on the paper.
import type { Bitmap } from '../escpos/types.js';
import { AMOUNT_WORD, LOOK_ALIKES, laidOut, type OcrText, type OcrWord } from './text.js';

/** A character's dots, cut out of the picture at its ink's bounds. */
interface Glyph {
  width: number;
  height: number;
  /** Each row's dots as bits (dot x at bit x + 1: bit 0 stays blank so a row moved a dot right loses nothing). */
  rows: Uint32Array;
  ink: number;
  /** Its dots as text, the same for every glyph drawn with the same dots. */
  shape: string;
  /** What the engine read there. */
  label: string;
  /** The word it belongs to (glyphs of one word never vouch for each other). */
  word: OcrWord;
}

/**
 * Dots that may differ between two drawings of the same character, as a share of the larger one's
 * ink. A character drawn twice at the same place in its cell is the same dots (monospaced drivers);
 * drawn at another fraction of a dot (proportional layout) a few edge dots move. Two different digits
 * of one font differ by a stroke: a fifth or more of their dots.
 */
const SAME = 0.08;
/**
 * How far the nearest drawing of the engine's label may be to confirm it when no drawing has the same
 * dots: the same character drawn at another fraction of a dot differs by a few edge dots (half of such
 * pairs by less than a quarter of their ink in a proportional font); another character must be at least
 * twice as far, and NEAR / 2 further.
 */
const NEAR = 0.2;
/** Drawings of the same character with one label, against every other label among them, it takes to read a character by its dots. */
const MAJORITY = 0.75;

/** What the receipt's glyphs say of one word: each character confirmed, or read otherwise by the dots. */
interface GlyphVerdict {
  /** Every letter and digit has the dots of the same character read elsewhere on the paper (and of nothing else). */
  confirmed: boolean;
  /** The word as the glyphs read it, when the dots of a character carry another label elsewhere (every other character confirmed). */
  reading?: string;
  /**
   * A word read as letters, with each letter whose dots are a digit's elsewhere on the paper read as that digit; or
   * a word with digits (not an amount) some of whose characters the dots do not confirm, with each sign the engine
   * put for a character it could not place read as the digit its dots are elsewhere ("5@cl" → "50cl").
   */
  digits?: string;
  /** An amount with each digit not confirmed whose dots are nearest, by far, the drawings of another digit elsewhere read as that digit. */
  nearer?: string;
}

/**
 * The glyphs of every word of the reading, cut where blank columns part its characters. A word whose
 * dots do not part into as many pieces as it has characters (touching letters, a broken stroke) gives
 * none: nothing is matched rather than a piece matched to the wrong character. `digitsAtEnd`: a word
 * in fewer pieces gives the digits it ends in, as its last pieces.
 */
function glyphsOf(picture: Bitmap, text: OcrText, digitsAtEnd = false, unplaced?: Map<OcrWord, Glyph[]>): Map<OcrWord, Glyph[]> {
  const stride = Math.ceil(picture.width / 8);
  const inked = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < picture.width && y < picture.height && ((picture.data[y * stride + (x >> 3)]! >> (7 - (x & 7))) & 1) === 1;
  const out = new Map<OcrWord, Glyph[]>();
  for (const line of text.lines) {
    for (const word of line.words) {
      if (!word.box) continue;
      const chars = [...word.text];
      const y0 = Math.max(0, Math.floor(word.box.y0) - 1);
      const y1 = Math.min(picture.height, Math.ceil(word.box.y1) + 1);
      const x0 = Math.max(0, Math.floor(word.box.x0) - 1);
      const x1 = Math.min(picture.width, Math.ceil(word.box.x1) + 1);
      const columns: boolean[] = [];
      for (let x = x0; x < x1; x++) {
        let any = false;
        for (let y = y0; y < y1 && !any; y++) any = inked(x, y);
        columns.push(any);
      }
      const runs: Array<[number, number]> = [];
      for (let i = 0; i < columns.length; i++) {
        if (!columns[i]) continue;
        const start = i;
        while (i < columns.length && columns[i]) i++;
        runs.push([x0 + start, x0 + i]);
      }
      if (runs.some(([a, b]) => b - a > MAX_GLYPH_WIDTH)) continue;
      /** The piece of ink between columns a and b, cut at its ink's rows. */
      const glyphOf = ([a, b]: [number, number], label: string): Glyph => {
        let top = y1;
        let bottom = y0;
        for (let y = y0; y < y1; y++) {
          for (let x = a; x < b; x++) {
            if (!inked(x, y)) continue;
            top = Math.min(top, y);
            bottom = Math.max(bottom, y + 1);
            break;
          }
        }
        const width = b - a;
        const height = Math.max(0, bottom - top);
        const rows = new Uint32Array(height);
        let ink = 0;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            if (!inked(a + x, top + y)) continue;
            rows[y]! |= 1 << (x + 1);
            ink++;
          }
        }
        return { width, height, rows, ink, shape: `${width}x${height}:${rows.join(',')}`, label, word };
      };
      // Fewer pieces than characters: with `digitsAtEnd`, the digits a word ends in are its last pieces when its letters
      // touch ("INV-" drawn in three pieces); the rest is left blank (ink 0).
      const digits = /\d+$/.exec(word.text)?.[0].length ?? 0;
      if (runs.length !== chars.length && !(digitsAtEnd && runs.length < chars.length && runs.length > digits && digits > 0)) {
        // A word with digits in pieces that are not the reading's characters: unlabelled, for the dots alone to read (glyphVerdicts).
        if (unplaced && runs.length && /\d/.test(word.text)) unplaced.set(word, runs.map((run) => glyphOf(run, '')));
        continue;
      }
      // In fewer pieces, only the digits it ends in are placed (its last pieces); whichever characters before them touch,
      // every one of those is left blank ("09-May-2025" with "Ma" touching: its 0 would be taken for its 9).
      const placed = runs.length === chars.length ? runs : runs.slice(-digits);
      out.set(
        word,
        [...Array(chars.length - placed.length).fill(null), ...placed].map((run: [number, number] | null, k) =>
          run ? glyphOf(run, chars[k]!) : { width: 0, height: 0, rows: new Uint32Array(0), ink: 0, shape: '', label: chars[k]!, word },
        ),
      );
    }
  }
  return out;
}

/** Glyphs wider than this are not read by their dots (their rows would not fit the bits kept for them). */
const MAX_GLYPH_WIDTH = 30;

function bitCount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * The least, over nine placements of `b` one dot apart from `a`, of `apart` summed over their rows (each row's
 * dots as bits, b's moved across); Infinity when their sizes differ by more than a dot.
 */
function leastApart(a: Glyph, b: Glyph, apart: (ra: number, rb: number) => number): number {
  if (Math.abs(a.width - b.width) > 1 || Math.abs(a.height - b.height) > 1) return Infinity;
  let best = Infinity;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      let sum = 0;
      for (let y = Math.min(0, dy); y < Math.max(a.height, b.height + dy); y++) {
        const ra = y >= 0 && y < a.height ? a.rows[y]! : 0;
        const by = y - dy;
        const rb = by >= 0 && by < b.height ? b.rows[by]! : 0;
        sum += apart(ra, dx >= 0 ? rb << dx : rb >>> -dx);
      }
      best = Math.min(best, sum);
    }
  }
  return best;
}

/** The share of dots that differ between two glyphs, at the best of nine placements one dot apart; 1 when their sizes differ by more than a dot. */
function distance(a: Glyph, b: Glyph): number {
  const differ = leastApart(a, b, (ra, rb) => bitCount(ra ^ rb));
  return differ === Infinity ? 1 : differ / Math.max(a.ink, b.ink, 1);
}

const widen = (r: number): number => r | (r << 1) | (r >>> 1);

/**
 * The dots of each of two glyphs that are more than a column from the other's ink, at the best of nine
 * placements one dot apart; Infinity when their sizes differ by more than a dot. A character drawn at
 * another fraction of a dot moves its edges by a column, so two drawings of it are 0 apart; two
 * different digits of one font differ by a stroke, several dots away from the other's ink.
 */
function looseDistance(a: Glyph, b: Glyph): number {
  return leastApart(a, b, (ra, rb) => bitCount(ra & ~widen(rb)) + bitCount(rb & ~widen(ra)));
}

/**
 * How many dots must lie more than a column from a glyph's ink for another digit's drawing to be told
 * from it (looseDistance). On the test generator's seeds 101 to 808 (320 receipts, the engine's first
 * reading), of the 32,029 digits of words read right, none was 0 from a drawing of another digit among
 * its receipt's amounts; the nearest other digits were a proportional 6 and 8, 2 to 5 apart. A digit 0
 * from its own digit's drawings and at least this far from every other's was its own digit every time
 * (27,915 digits, 1,840 of them drawn at a fraction of a dot too far for the nearest drawing to tell).
 */
const LOOSE_APART = 4;
/**
 * Glyphs shorter than this are not told by looseDistance: a column is a larger share of a small digit
 * (in a 5 × 7 font an 8 and a 0 lie within a column of each other). Printer text at 203 dpi draws its
 * digits 14 dots tall or more (a 12-dot cell), as in the study above.
 */
const LOOSE_MIN_HEIGHT = 12;

/** Letters the engine reads for digits and digits for letters (LOOK_ALIKES): never taken on the engine's word alone. */
const DIGIT_LOOK_ALIKES = new Set(Object.keys(LOOK_ALIKES));
/** The engine's confidence in a word below which even a letter that looks like no digit needs a witness. */
const UNWITNESSED_LETTER = 0.75;

/**
 * Punctuation is left as the engine read it (a comma and a point may be the same two dots at this size)
 * and neither confirms nor doubts a word; every other character (letters, digits, and the signs the
 * engine reads for a digit it cannot place: "@" for 0, "©", "»") is read by its dots.
 */
const PUNCTUATION = /^[.,:;'"`\-\/%()+*#=]$/;

/**
 * What the dots say one glyph is: the label carried by the drawings of the same dots in other words
 * (within SAME), when at least MAJORITY of them carry it. `witnesses`: how many carry it. Null when
 * no other word has the same dots, or they disagree. `nearest` is filled with the nearest drawing of
 * each label (share of dots that differ).
 */
function readByDots(g: Glyph, shapes: Shapes, nearest = new Map<string, number>()): { label: string; witnesses: number } | null {
  const votes = new Map<string, number>();
  let n = 0;
  for (let dh = -1; dh <= 1; dh++) {
    for (let dw = -1; dw <= 1; dw++) {
      for (const shape of shapes.bySize.get(`${g.width + dw}x${g.height + dh}`) ?? []) {
        const same = shape.glyph.shape === g.shape;
        if (!same && shapes.compared++ >= MAX_COMPARISONS) return null;
        const d = same ? 0 : distance(g, shape.glyph);
        for (const o of shape.drawings) {
          if (o.word === g.word) continue;
          if (d < (nearest.get(o.label) ?? Infinity)) nearest.set(o.label, d);
          if (d > SAME) continue;
          votes.set(o.label, (votes.get(o.label) ?? 0) + 1);
          n++;
        }
      }
    }
  }
  let best: { label: string; witnesses: number } | null = null;
  for (const [label, witnesses] of votes) if (!best || witnesses > best.witnesses) best = { label, witnesses };
  if (best && best.witnesses >= MAJORITY * n) return best;
  if (n > 0) return null;
  // No drawing of the same dots (a character drawn at another fraction of a dot): the engine's own label is
  // confirmed by its nearest drawing elsewhere when that is close and every other character is much further.
  return nearestIs(nearest, g.label) ? { label: g.label, witnesses: 1 } : null;
}

/**
 * Whether, by the nearest drawing of each label (`nearest`: label → share of dots that differ), the
 * dots are `label`'s: its nearest drawing within `within`, every other label's `farther` times as far
 * and NEAR / 2 further.
 */
function nearestIs(nearest: ReadonlyMap<string, number>, label: string, within = NEAR, farther = 2): boolean {
  const own = nearest.get(label) ?? Infinity;
  if (own > within) return false;
  for (const [other, d] of nearest) if (other !== label && d < Math.max(farther * own, own + NEAR / 2)) return false;
  return true;
}

/**
 * nearestIs for a digit against the digits of amounts the arithmetic checked (labels known): on the
 * test generator's seeds 101 to 808 (320 receipts, the engine's first reading), the 16,800 digits of
 * the words with digits read right, each against the digits of its receipt's amounts: none told as
 * another digit within 0.25 and 1.75 times as far (13,700 told); 2 within 0.3; 55 within 0.35.
 */
const VOUCH_WITHIN = 0.25;
const VOUCH_FARTHER = 1.75;

/**
 * Glyph comparisons one receipt may make: a few thousand on a receipt, each a few hundred operations on
 * the engine's thread. Past this (a picture of thousands of words) the rest is left as the engine read it.
 */
export const MAX_COMPARISONS = 250_000;

/** The receipt's glyphs by their dots (one entry per set of dots, with every drawing of it), filed by size. */
interface Shapes {
  bySize: Map<string, Array<{ glyph: Glyph; drawings: Glyph[] }>>;
  compared: number;
}

/**
 * Reads each word holding digits again through the receipt's own glyphs: each letter and digit is
 * compared with every character of the other words. The word is confirmed when every one of them has
 * the same dots as the same character read elsewhere (the engine read those dots alike in another
 * place); it is read otherwise when the dots of a character carry another label elsewhere, at least
 * twice and by a clear majority, and every other character is confirmed. Witnesses are the engine's
 * own readings elsewhere on the same paper: nothing is made up, a character is only ever read as one
 * the engine read in the same dots elsewhere.
 */
function glyphVerdicts(picture: Bitmap, text: OcrText): Map<OcrWord, GlyphVerdict> {
  const unplaced = new Map<OcrWord, Glyph[]>();
  const glyphs = glyphsOf(picture, text, false, unplaced);
  const byDots = new Map<string, { glyph: Glyph; drawings: Glyph[] }>();
  const shapes: Shapes = { bySize: new Map(), compared: 0 };
  for (const g of [...glyphs.values()].flat()) {
    if (g.ink === 0 || PUNCTUATION.test(g.label)) continue;
    const shape = byDots.get(g.shape);
    if (shape) {
      shape.drawings.push(g);
      continue;
    }
    const entry = { glyph: g, drawings: [g] };
    byDots.set(g.shape, entry);
    const size = `${g.width}x${g.height}`;
    const same = shapes.bySize.get(size);
    if (same) same.push(entry);
    else shapes.bySize.set(size, [entry]);
  }
  const verdicts = new Map<OcrWord, GlyphVerdict>();
  // Words holding digits first: they hold the fields, and the comparisons a receipt may make are bounded.
  const order = [...glyphs].sort(([a], [b]) => Number(!/\d/.test(a.text)) - Number(!/\d/.test(b.text)));
  for (const [word, own] of order) {
    if (!/\d/.test(word.text)) {
      // A word read as letters whose dots are those of digits elsewhere ("500ml" read "Seeml"): its digits as the dots read them.
      const digits = own.map((g) => {
        if (PUNCTUATION.test(g.label) || g.ink === 0) return g.label;
        const dots = readByDots(g, shapes);
        return dots && /\p{N}/u.test(dots.label) ? dots.label : g.label;
      });
      if (digits.some((c, i) => c !== own[i]!.label)) verdicts.set(word, { confirmed: false, digits: digits.join('') });
      continue;
    }
    let confirmed = true;
    let changed = false;
    // An amount's digits the dots do not confirm, each as the digit whose drawings elsewhere it is nearest by far.
    const amount = AMOUNT_WORD.test(word.text);
    const nearer = own.map((g) => g.label);
    const reading = own.map((g, k) => {
      if (PUNCTUATION.test(g.label)) return g.label;
      const nearest = new Map<string, number>();
      const dots = g.ink > 0 ? readByDots(g, shapes, nearest) : null;
      if (amount && /\d/.test(g.label) && dots?.label !== g.label && shapes.compared < MAX_COMPARISONS) {
        const other = [...nearest.keys()].find((label) => label !== g.label && /^\d$/.test(label) && nearestIs(nearest, label, VOUCH_WITHIN, VOUCH_FARTHER));
        if (other) nearer[k] = other;
      }
      // A letter no other word drew alike (a receipt number's prefix is often the only "R" of its size) is left to the
      // engine when it was fairly sure of the word and the letter cannot be taken for a digit.
      if (!dots && /\p{L}/u.test(g.label) && !DIGIT_LOOK_ALIKES.has(g.label) && word.confidence >= UNWITNESSED_LETTER) return g.label;
      if (!dots || (dots.label !== g.label && dots.witnesses < 2)) {
        confirmed = false;
        return g.label;
      }
      if (dots.label !== g.label) changed = true;
      // A sign that is no letter, digit or punctuation is never confirmed as itself: it is a character the engine could not place.
      if (!/[\p{L}\p{N}]/u.test(dots.label)) confirmed = false;
      return dots.label;
    });
    const otherwise = nearer.join('');
    // Not confirmed whole: its signs read as the digits their dots are, at least twice elsewhere, the rest as the engine read it.
    const signs = own.map((g, k) => (!/[\p{L}\p{N}]/u.test(g.label) && !PUNCTUATION.test(g.label) && /^\d$/.test(reading[k]!) ? reading[k]! : g.label)).join('');
    verdicts.set(word, {
      confirmed: confirmed && !changed,
      ...(confirmed && changed ? { reading: reading.join('') } : {}),
      ...(!confirmed && !amount && signs !== word.text ? { digits: signs } : {}),
      ...(otherwise !== word.text && otherwise !== reading.join('') ? { nearer: otherwise } : {}),
    });
  }
  // A word with digits read in another number of characters than its ink's pieces ("s56cl" for the four pieces of 50cl):
  // read by its dots alone when every piece has the dots of a letter or digit read alike elsewhere (a clear majority of
  // the drawings with those dots). Checked as any reading is: the sums check an amount, other readings an identifier.
  for (const [word, pieces] of unplaced) {
    if (!/\d/.test(word.text) || word.confidence >= CONFIRMED || shapes.compared >= MAX_COMPARISONS) continue;
    const labels = pieces.map((g) => readByDots(g, shapes)?.label);
    if (labels.every((l) => l !== undefined && /^[\p{L}\p{N}]$/u.test(l))) verdicts.set(word, { confirmed: false, reading: labels.join('') });
  }
  return verdicts;
}

/**
 * The reading with the glyphs' verdicts applied: a word whose every letter and digit the receipt's
 * own glyphs confirm is at least CONFIRMED sure; a word the glyphs read otherwise takes their reading,
 * CONFIRMED sure, and keeps the engine's as an alternative (for an amount the receipt's arithmetic may
 * still choose it; an identifier read from it is checked as any other).
 */
export function withGlyphs(picture: Bitmap, text: OcrText): OcrText {
  const verdicts = glyphVerdicts(picture, text);
  if (verdicts.size === 0) return text;
  const lines = text.lines.map((line) => ({
    y: line.y,
    words: line.words.map((word): OcrWord => {
      const v = verdicts.get(word);
      if (v?.confirmed) return { ...word, confidence: Math.max(word.confidence, CONFIRMED) };
      // Read otherwise by its dots: the engine's reading stays as an alternative (for an amount the arithmetic may still choose it).
      if (v?.reading) return { ...word, text: v.reading, confidence: CONFIRMED, alternatives: [...(word.alternatives ?? []), { text: word.text, confidence: word.confidence }] };
      // Letters with a digit's dots: the word is kept as read, the digits the dots read beside it (an item's name holding it goes to review).
      if (v?.digits) return { ...word, digitsInDots: v.digits };
      // An amount whose digits are nearest other digits' drawings: an alternative the arithmetic may choose, as sure as the word.
      if (v?.nearer) return { ...word, alternatives: [...(word.alternatives ?? []), { text: v.nearer, confidence: word.confidence }] };
      return word;
    }),
  }));
  return laidOut(lines);
}

/** Words as one line of a reading, to cut their glyphs. */
const asText = (words: OcrWord[]): OcrText => ({ lines: [{ text: '', confidence: 0, y: 0, words }], confidence: 0 });

/** Drawings of digits whose labels are known, cut out of a picture once and asked of every disputed word (knownDigits). */
export interface KnownDigits {
  readonly glyphs: readonly Glyph[];
}

/**
 * The digits of `words` (amounts the receipt's arithmetic checked, read as printed; identifiers read
 * alike three times) as drawings of known digits: only words whose every character parts.
 */
export function knownDigits(picture: Bitmap, words: readonly OcrWord[]): KnownDigits {
  return { glyphs: [...glyphsOf(picture, asText([...words])).values()].flatMap((g) => g.filter((x) => /\d/.test(x.label) && x.ink > 0)) };
}

/**
 * Whether every digit of `word`, read as `reading`, has the dots of the same digit among the `known`
 * drawings, within SAME, and of no other digit there; or, drawn at another fraction of a dot than any
 * of them, is nearest a drawing of the same digit and far from any other (nearestIs). The known digits'
 * labels are sure: a drawing of a "9" the engine misread as "8" in a receipt number matches the 9s of
 * the totals, and is not vouched for. The word's own drawings never vouch for it (an unsure amount is
 * among the checked ones), whichever reading is asked. Letters and punctuation are not looked at (the
 * caller checks them); a word whose ink does not part into its characters is not vouched for, unless
 * its letters touch and its digits are its last pieces. `only`: the characters (by index in the
 * reading) to look at, when other readings differ from it only there.
 */
export function vouchedByAmounts(picture: Bitmap, word: OcrWord, known: KnownDigits, only?: ReadonlySet<number>, reading = word.text): boolean {
  const verdicts = digitVerdicts(picture, word, known, reading, true);
  if (!verdicts) return false;
  const asked = verdicts.filter((v) => !only || only.has(v.index));
  return asked.length > 0 && asked.every((v) => v.drawn === 'same');
}

/**
 * Whether every digit of `word` is vouched for (vouchedByAmounts), and each digit a letter looks like
 * (LOOK_ALIKES: 0, 1, 2, 5, 8, 9) by the same dots as its known drawings: the nearest drawing cannot
 * tell a letter O from a 0 (a fifth of its dots apart), the same dots can. Enough to take the word as
 * read without reading it again.
 */
export function drawnAsRead(picture: Bitmap, word: OcrWord, known: KnownDigits): boolean {
  const verdicts = digitVerdicts(picture, word, known, word.text, true);
  const lookedLike = new Set(Object.values(LOOK_ALIKES));
  const chars = [...word.text];
  return !!verdicts?.length && verdicts.every((v) => v.drawn === 'same' && (v.by === 'dots' || !lookedLike.has(chars[v.index]!)));
}

/**
 * Whether some digit of `word` is drawn as another digit among the `known` drawings: the same dots as
 * known drawings all of another digit, or nearest, by far, another digit's drawings (the rule that
 * vouches: on the glyph study's 16,800 digits read right it never named another digit). Three readings
 * that agree can all be wrong alike (a proportional "9" read "8" in a date each time, at 93 %); the
 * dots still are a 9's. Only a word whose ink parts into its characters is asked.
 */
/**
 * The word as the `known` drawings read its digits: each digit drawn as another digit among them (the
 * same dots as known drawings all of that digit, or nearest them by far) read as that digit, when every
 * digit is drawn as some known digit and at least one as another than the engine read. The rules that
 * read it are the ones that vouch: on the glyph studies' digits read right (16,800 for the nearest drawing,
 * 32,029 for looseDistance) they never named another digit, so they name a digit's own whatever the engine
 * read ("R805162" whose 8 has the dots of the totals' 9s is R905162). Undefined otherwise, or when the
 * word's ink does not part into its characters.
 */
export function toldByDots(picture: Bitmap, word: OcrWord, known: KnownDigits): string | undefined {
  const verdicts = digitVerdicts(picture, word, known, word.text, false);
  if (!verdicts?.length || verdicts.some((v) => v.drawn === 'unknown') || !verdicts.some((v) => v.drawn === 'other')) return undefined;
  const chars = [...word.text];
  for (const v of verdicts) if (v.drawn === 'other') chars[v.index] = v.as!;
  return chars.join('');
}

export function contradictedByAmounts(picture: Bitmap, word: OcrWord, known: KnownDigits): boolean {
  return digitVerdicts(picture, word, known, word.text, false)?.some((v) => v.drawn === 'other') ?? false;
}

/**
 * Each digit of `word` read as `reading` against the known drawings (never the word's own): `same` when
 * it has the dots of known drawings all of its digit, or is nearest, by far, its digit's drawings;
 * `other` when either holds of another digit; else `unknown` (an uncut digit is unknown). Null when the
 * word's ink does not part into its characters, unless `digitsAtEnd` and its letters touch and its digits
 * are its last pieces (enough to vouch: a piece taken for the wrong digit is drawn as no known drawing
 * of it; not to gainsay, where such a piece would be drawn as another digit).
 */
function digitVerdicts(picture: Bitmap, word: OcrWord, known: KnownDigits, reading: string, digitsAtEnd: boolean): DigitVerdict[] | null {
  const asRead = reading === word.text ? word : { ...word, text: reading };
  const own = glyphsOf(picture, asText([asRead]), digitsAtEnd).get(asRead);
  if (!own) return null;
  const others = known.glyphs.filter((k) => k.word !== word);
  const out: DigitVerdict[] = [];
  for (const [index, g] of own.entries()) {
    if (!/\d/.test(g.label)) continue;
    if (g.ink === 0) {
      out.push({ index, drawn: 'unknown' });
      continue;
    }
    const nearest = new Map<string, number>();
    for (const k of others) {
      const d = k.shape === g.shape ? 0 : distance(g, k);
      if (d < (nearest.get(k.label) ?? Infinity)) nearest.set(k.label, d);
    }
    // Drawn with the same dots as known digits: all of them one digit. Else the nearest known digit, by far; else the
    // digit whose drawings it matches to a column while every other digit's lie LOOSE_APART dots or more away.
    const same = new Set([...nearest].filter(([, d]) => d <= SAME).map(([label]) => label));
    const [only] = same;
    const drawnAs = same.size ? (same.size === 1 ? only : undefined) : ([...nearest.keys()].find((label) => nearestIs(nearest, label, VOUCH_WITHIN, VOUCH_FARTHER)) ?? looselyDrawnAs(g, others));
    const drawn = drawnAs === undefined ? 'unknown' : drawnAs === g.label ? 'same' : 'other';
    out.push({ index, drawn, by: same.size ? 'dots' : 'nearest', glyph: g, ...(drawnAs === undefined ? {} : { as: drawnAs }) });
  }
  return out;
}

/** What the known drawings say of one digit of a word (digitVerdicts). */
interface DigitVerdict {
  /** Index of the digit among the reading's characters. */
  index: number;
  drawn: 'same' | 'other' | 'unknown';
  by?: 'dots' | 'nearest';
  /** The digit it is drawn as, when some. */
  as?: string;
  /** Its drawing, when its ink was cut. */
  glyph?: Glyph;
}

/**
 * Whether `g` lies LOOSE_APART dots or more (looseDistance) from every known drawing of its own label, of
 * which there is at least one of its size (within a dot), and is LOOSE_MIN_HEIGHT tall or more: on the
 * glyph study's 32,029 digits read right, a digit was never more than a dot from the nearest drawing of
 * its own digit of its size, so a digit that far from every drawing of its label is another digit.
 */
function unlikeItsDrawings(g: Glyph, known: readonly Glyph[]): boolean {
  if (g.height < LOOSE_MIN_HEIGHT) return false;
  const own = known.filter((k) => k.label === g.label).map((k) => (k.shape === g.shape ? 0 : looseDistance(g, k)));
  return own.some(Number.isFinite) && Math.min(...own) >= LOOSE_APART;
}

/**
 * Whether the known drawings gainsay `reading` of `word`: some digit drawn as another digit among them,
 * or drawn as none and unlike every drawing of the digit it was read as (unlikeItsDrawings, asked only
 * here). Only a word whose ink parts into the reading's characters is asked.
 */
export function gainsaidByAmounts(picture: Bitmap, word: OcrWord, known: KnownDigits, reading: string): boolean {
  const verdicts = digitVerdicts(picture, word, known, reading, false);
  const others = known.glyphs.filter((k) => k.word !== word);
  return verdicts?.some((v) => v.drawn === 'other' || (v.drawn === 'unknown' && v.glyph !== undefined && unlikeItsDrawings(v.glyph, others))) ?? false;
}

/** The known digit `g` is drawn as to a column (looseDistance 0), when every other digit's drawings are LOOSE_APART or more away and `g` is LOOSE_MIN_HEIGHT tall or more. */
function looselyDrawnAs(g: Glyph, known: readonly Glyph[]): string | undefined {
  if (g.height < LOOSE_MIN_HEIGHT) return undefined;
  const loose = new Map<string, number>();
  for (const k of known) loose.set(k.label, Math.min(loose.get(k.label) ?? Infinity, k.shape === g.shape ? 0 : looseDistance(g, k)));
  const matched = [...loose].filter(([, d]) => d === 0).map(([label]) => label);
  if (matched.length !== 1) return undefined;
  return [...loose].every(([label, d]) => label === matched[0] || d >= LOOSE_APART) ? matched[0] : undefined;
}

/**
 * `reading` (a reading of `word`) with each look-alike letter (LOOK_ALIKES: "O" for 0, "B" for 8) and each
 * sign the engine put for a character it could not place ("©", "®") read as a digit where the dots under it
 * are the same, within SAME, as known drawings of that digit and of no other (for a letter: of the digit it
 * looks like). The same dots tell O from 0 where the nearest drawing cannot: a letter O is a fifth of its
 * dots or more from any 0 of the same font. The reading as it was where its characters do not part as the
 * word's dots do; the word's own drawings never count.
 */
export function digitsByKnownDots(picture: Bitmap, word: OcrWord, known: KnownDigits, reading: string): string {
  const asRead = { ...word, text: reading };
  const own = glyphsOf(picture, asText([asRead]), true).get(asRead);
  if (!own) return reading;
  const others = known.glyphs.filter((k) => k.word !== word);
  return own
    .map((g) => {
      const sign = !/[\p{L}\p{N}]/u.test(g.label) && !PUNCTUATION.test(g.label);
      if (g.ink === 0 || !(sign || DIGIT_LOOK_ALIKES.has(g.label))) return g.label;
      const labels = new Set(others.filter((k) => (k.shape === g.shape ? 0 : distance(g, k)) <= SAME).map((k) => k.label));
      const [digit] = labels;
      return digit !== undefined && labels.size === 1 && (sign || LOOK_ALIKES[g.label] === digit) ? digit : g.label;
    })
    .join('');
}

/** The confidence of a word every character of which the receipt's glyphs confirm: above what any field needs. */
export const CONFIRMED = 0.9;
