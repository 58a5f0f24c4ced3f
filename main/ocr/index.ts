// OCR stage: a receipt's printed pictures → text lines with confidence, read offline by a pool of tesseract.js workers.
import type { DecodedReceipt } from '../escpos/types.js';
import type { Bitmap } from '../escpos/types.js';
import { cropBitmap } from './image.js';
import { joinPictureText, picturesToRead, type PictureLines } from './join.js';
import { OcrPool } from './pool.js';
import { AMOUNT_WORD, LOOK_ALIKE_BESIDE_DIGIT, LOOK_ALIKES, laidOut, meanConfidence, monthsAsLetters, type OcrText, type OcrWord } from './text.js';
import { CONFIRMED, contradictedByAmounts, digitsByKnownDots, drawnAsRead, gainsaidByAmounts, knownDigits, toldByDots, vouchedByAmounts, withGlyphs, type KnownDigits } from './glyphs.js';
import { unreadPrint, type PrintBox } from './unread.js';

export { OcrPool, OcrFailed, OCR_ENGINE, bundledLangPath, type OcrPoolOptions } from './pool.js';
export { holdsText, pictureFile, MIN_TEXT_HEIGHT, MIN_TEXT_WIDTH } from './image.js';
export { needsReading, picturesToRead, joinPictureText, type PictureLines } from './join.js';
export { roundConfidence, type OcrLine, type OcrText, type OcrWord } from './text.js';

/**
 * What a caller says of a reading: whether it settles the receipt (for a parser: it parses `ok`), and
 * optionally where the words its identifiers were read from sit ({ line: index into read.lines, word:
 * index into its words }): those are read again before the reading is returned (verifyIdentifiers).
 */
export type Settles = (read: { receipt: DecodedReceipt; read: PictureLines }) => boolean | { settles: boolean; identifiers?: readonly WordAt[]; amounts?: readonly WordAt[]; misread?: boolean };

/** A word of a reading: { line: index into read.lines, word: index into its words }. */
export interface WordAt {
  line: number;
  word: number;
}

interface Judged {
  settles: boolean;
  /** Where the identifiers were read from: read again before the reading is returned. */
  identifiers: readonly WordAt[];
  /** Where the amounts were read from (the arithmetic checked them when the reading settles): drawings of known digits. */
  amounts: readonly WordAt[];
  /** The receipt's sums do not hold: some amount was misread, however sure the engine was of it. */
  misread: boolean;
}

function judge(settles: Settles, read: { receipt: DecodedReceipt; read: PictureLines }): Judged {
  const said = settles(read);
  return typeof said === 'boolean' ? { settles: said, identifiers: [], amounts: [], misread: false } : { settles: said.settles, identifiers: said.identifiers ?? [], amounts: said.amounts ?? [], misread: said.misread ?? false };
}

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
  const firstTexts = await Promise.all(pictures.map(async (p) => recheck(p, withGlyphs(p, await readWhole(p, pool)), pool)));
  let first = joinPictureText(receipt, firstTexts);
  if (!settles) return first;
  const once = judge(settles, first);
  if (once.settles) return verifyIdentifiers(receipt, first, once, pictures, firstTexts, pool);
  // An identifier read unsure may be all that holds it: read again, three readings that agree settle it. (From here
  // on the first reading is the verified one: a word read otherwise is in its text as in its words.)
  if (once.identifiers.length) {
    first = await verifyIdentifiers(receipt, first, once, pictures, firstTexts, pool);
    if (judge(settles, first).settles) return first;
  }
  // When the sums fail, every line holding an amount is read again too: the misread digit may be one the engine was sure of.
  const again = await Promise.all(pictures.map((p, i) => rereadUnsure(p, firstTexts[i]!, pool, SECOND_READING_SCALE, once.misread)));
  if (!again.some((r) => r.reread)) return first;
  const secondTexts = again.map((r, i) => withGlyphs(pictures[i]!, crossCheck(r.text, firstTexts[i]!)));
  const second = joinPictureText(receipt, secondTexts);
  const twice = judge(settles, second);
  if (twice.settles) return verifyIdentifiers(receipt, second, twice, pictures, secondTexts, pool);
  if (!twice.identifiers.length) return first;
  const verified = await verifyIdentifiers(receipt, second, twice, pictures, secondTexts, pool);
  return judge(settles, verified).settles ? verified : first;
}

/**
 * Below this an identifier's word (receipt number, date, time, card's last four) is read again before
 * the receipt may go out: nothing on the receipt checks these fields, and the engine is sometimes sure
 * of a misread. On the test generator's seeds 101 to 808 (320 receipts) a proportional "9" was read as
 * "8" at 90 % in context, INV-594100 as INV-584100; every such misread came back otherwise alone or at
 * twice the size, and no identifier read at 95 % or more was wrong.
 */
export const SURE_IDENTIFIER = 0.95;

/**
 * The lowest confidence among three readings that agree (in context, alone, its line alone at twice
 * the size) for them to make an identifier CONFIRMED sure when it has a look-alike letter beside a
 * digit, and for any agreed word to join the known drawings. On the same 320 receipts, every word the
 * three readings agreed on at 50 % or more was right (105 words, wide crops; the line read at twice
 * the size instead of the word disputes no more right words and caught the INV-584100 misread surely).
 * A word of letters, digits and punctuation alone is sure when the three agree at REREADS_AGREE or more,
 * as two re-readings that agree against the page are taken from there: on the 800 receipts of seeds
 * 101 to 808 and 909 to 2020 the 38 words agreed on between 20 % and 50 % were right every time
 * (INV-229849 at 47 %, 34 % and 72 %; "14.40" at 49 % beside 14:40 twice), and the digits' dots still
 * gainsay three readings that agree wrongly (contradictedByAmounts).
 */
export const AGREEING_FLOOR = 0.5;

/**
 * How sure each of the two other readings (alone, and its line alone at twice the size) must be, when
 * they read the same characters and the first reading read otherwise, for the word to take their
 * reading: as sure as a reading must be to count at all (NO_READING). Two readings at different sizes
 * that agree on the same other characters are what the dots say, however unsure the engine is of each.
 * On the test generator's seeds 101 to 808 and 909 to 2020 (800 receipts) the two agreed against the
 * first 48 times: right 43 times, from 22 % up (four of them under 50 %: R832909, R986669, R570103,
 * INV-697291); the 5 wrong were all a character read as its look-alike ("RO56373" for R056373,
 * "25-0ct-2025"), which only the dots can settle (digitsByKnownDots): the word never takes such a
 * reading (plainReading, lookAlikeSwapped). The first reading is the engine's page layout guessing at a
 * character it could not place ("©7:29", "14.40", "R269468" for R269469, "R8860718" for R880718); a
 * word cut out of its context is read on its own.
 */
export const REREADS_AGREE = 0.2;

/**
 * How sure the word and the other reading that bears it out must each be to outweigh a third reading
 * that disputes them at less than AGREEING_FLOOR. On the test generator's seeds 101 to 808 and 909 to
 * 2020, every time two readings agreed at 80 % or more against a third below 50 % they were right
 * (R967220 against "R867220" at 39 %, 9475 against "g475" at 22 %, R066225 at 83 % against "R0O66225"
 * at 24 %); the majorities that were wrong (INV-584100 against INV-594100, 10:18 against 10:19) were
 * disputed at 53 % or more, or read first at less than 60 %, or agreed at 79 %.
 */
export const MAJORITY_SURE = 0.8;

/**
 * The reading with each identifier's word read below SURE_IDENTIFIER read twice more (at once in the
 * pool): cut out alone with a little white around it, and its line alone at SECOND_READING_SCALE. A
 * look-alike letter or unplaced sign drawn as the checked amounts' digit is that digit in every reading
 * (digitsByKnownDots). When another reading does not bear the word out (bearsOut, at NO_READING or
 * more) the word's confidence is halved (the field goes to review), unless every reading has its
 * letters and exactly one of the readings of its length has the digits they dispute drawn as those
 * digits of amounts the arithmetic checked (vouchedByAmounts: the word takes that reading), or exactly one
 * of the readings of its length with its letters has no digit the known drawings gainsay (gainsaidByAmounts:
 * drawn as another digit, or unlike every drawing of the digit read; the word takes it), or the two
 * other readings read the same characters, each at REREADS_AGREE or more (the word takes their
 * reading), or one bears the word out, both at MAJORITY_SURE or more, against a dispute below
 * AGREEING_FLOOR; when all three agree, each at AGREEING_FLOOR or more (REREADS_AGREE for a plain
 * reading; or the amounts vouch for it), the word is at least CONFIRMED sure. A word the readings leave
 * unsure whose every digit the known drawings read, some as another digit than the engine did, is what
 * they read (toldByDots), when every reading has its prefix of letters. Whatever the readings say, a word
 * with a digit drawn as another digit of the known drawings is otherwise held (contradictedByAmounts),
 * identifiers read at SURE_IDENTIFIER or more too. Changes the reading's words in place and returns the
 * reading (joined anew when a word's text changed: `receipt` is the receipt the pictures were read from).
 */
async function verifyIdentifiers(
  receipt: DecodedReceipt,
  read: { receipt: DecodedReceipt; read: PictureLines },
  { identifiers, amounts }: Judged,
  pictures: Bitmap[],
  texts: OcrText[],
  pool: OcrPool,
): Promise<{ receipt: DecodedReceipt; read: PictureLines }> {
  const pictureOf = new Map<OcrWord, Bitmap>();
  texts.forEach((t, i) => t.lines.forEach((l) => l.words.forEach((w) => pictureOf.set(w, pictures[i]!))));
  const words = new Map<OcrWord, OcrWord[]>();
  /** Identifiers the engine was sure of: not read again, but their dots are still asked (contradictedByAmounts). */
  const sure: OcrWord[] = [];
  for (const { line, word } of identifiers) {
    const w = read.read.lines[line]?.words[word];
    if (!w?.box || !pictureOf.has(w)) continue;
    if (w.confidence < SURE_IDENTIFIER) words.set(w, read.read.lines[line]!.words);
    else sure.push(w);
  }
  if (words.size === 0 && (sure.length === 0 || amounts.length === 0)) return read;
  /** Pictures with a word read otherwise. */
  const changed = new Set<Bitmap>();
  // The words of amounts the arithmetic checked, by picture (and below, of identifiers the three readings agree on).
  const checked = new Map<Bitmap, OcrWord[]>();
  const check = (picture: Bitmap, w: OcrWord): void => void checked.set(picture, [...(checked.get(picture) ?? []), w]);
  for (const { line, word } of amounts) {
    const w = read.read.lines[line]?.words[word];
    const picture = w && pictureOf.get(w);
    if (picture) check(picture, w);
  }
  // The digits of the words `checked` holds when first asked, cut out once a picture: the checked amounts' (amountsIn,
  // asked before agreed identifiers join them) and all the known drawings' (knownIn, asked after).
  const cutOnce = (cache = new Map<Bitmap, KnownDigits>()) => (picture: Bitmap): KnownDigits => cache.get(picture) ?? cache.set(picture, knownDigits(picture, [...(checked.get(picture) ?? [])])).get(picture)!;
  const amountsIn = cutOnce();
  // A word whose every digit is drawn as the checked amounts draw it needs no other reading (the dots tell the digits
  // apart; another reading would only say what they say): each digit a letter looks like drawn with the same dots, its
  // letters, if any, a prefix, none a digit's look-alike beside a digit.
  for (const word of [...words.keys()]) {
    const picture = pictureOf.get(word)!;
    if (!DIGITS_AFTER_PREFIX.test(trimEnds(word.text)) || LOOK_ALIKE_BESIDE_DIGIT.test(word.text) || !drawnAsRead(picture, word, amountsIn(picture))) continue;
    word.confidence = Math.max(word.confidence, CONFIRMED);
    words.delete(word);
  }
  // Each line holding such a word read once at twice the size, whichever of its words need it.
  const larger = new Map<readonly OcrWord[], Promise<OcrWord[]>>();
  const heard = await Promise.all(
    [...words].map(async ([word, line]) => {
      const picture = pictureOf.get(word)!;
      if (!larger.has(line)) larger.set(line, lineAlone(picture, line, pool));
      const readings = await Promise.all([
        pool.recognize(cropBitmap(picture, wordAlone(word, line))).then((t) => t.lines.flatMap((l) => l.words)),
        larger.get(line)!.then((again) => again.filter((w) => w.box && sameColumns(w.box, word.box!))),
      ]);
      const lowest = Math.min(word.confidence, ...readings.flat().map((w) => w.confidence));
      const said: Reading[] = readings.map((r) => ({ text: r.map((w) => w.text).join(''), confidence: r.length ? Math.min(...r.map((w) => w.confidence)) : 0 }));
      return { word, picture, said, lowest, agree: false, known: false };
    }),
  );
  // A look-alike letter or a sign the engine could not place, drawn with the same dots as the checked amounts' digits,
  // is that digit in every reading ("RO71012" where the totals' 0s have those dots is R071012).
  for (const h of heard) {
    const { word, picture } = h;
    const amountsKnown = amountsIn(picture);
    const asDigits = digitsByKnownDots(picture, word, amountsKnown, word.text);
    if (asDigits !== word.text) {
      word.text = asDigits;
      changed.add(picture);
    }
    for (const r of h.said) r.text = digitsByKnownDots(picture, word, amountsKnown, r.text);
    const alike = h.said.every((r) => bearsOut(r.text, word.text)) && !contradictedByAmounts(picture, word, amountsKnown);
    h.agree = alike && h.lowest >= (plainReading(word.text) ? REREADS_AGREE : AGREEING_FLOOR);
    h.known = alike && h.lowest >= AGREEING_FLOOR;
  }
  // An identifier the three readings agree on (and the amounts do not gainsay) is drawings of known digits too, for the
  // others' disputes (a receipt's amounts may hold no 9 where its date does).
  for (const { word, picture, known } of heard) if (known) check(picture, word);
  const knownIn = cutOnce();
  const settle = ({ word, picture, said, lowest, agree }: (typeof heard)[number]): void => {
    // Left unsure by the readings: the word as the known drawings read its digits, when they read every one of them and
    // some as another digit than the engine did, and every reading has its prefix (toldByDots).
    const takeToldByDots = (): void => {
      const prefix = /^\p{L}*/u.exec(trimEnds(word.text))![0];
      const told = DIGITS_AFTER_PREFIX.test(trimEnds(word.text)) && said.every((r) => trimEnds(r.text).startsWith(prefix)) ? toldByDots(picture, word, knownIn(picture)) : undefined;
      if (told === undefined) return;
      word.text = told;
      word.confidence = CONFIRMED;
      changed.add(picture);
    };
    const disputes = said.filter((r) => r.confidence >= NO_READING && !bearsOut(r.text, word.text));
    const lettersAgree = said.every((r) => r.confidence < NO_READING || sameLetters(r.text, word.text) || bearsOut(r.text, word.text));
    if (disputes.length === 0) {
      if (agree || (lettersAgree && vouchedByAmounts(picture, word, knownIn(picture)))) word.confidence = Math.max(word.confidence, CONFIRMED);
      else takeToldByDots();
      return;
    }
    // Another reading the engine gives some weight to. The word is the reading whose disputed digits are drawn as the
    // same digits of amounts the arithmetic checked (and never as others), when exactly one is and every reading has
    // its letters: each reading of as many characters is tried as the word's text (with the first's signs at its ends).
    const core = trimEnds(word.text);
    const sameLength = disputes.every((r) => trimEnds(r.text).length === core.length);
    const candidates = [...new Set([word.text, ...disputes.map((r) => trimEnds(r.text)).filter((c) => c.length === core.length).map((c) => word.text.replace(core, c))])];
    const drawn = lettersAgree ? candidates.filter((text) => vouchedByAmounts(picture, word, knownIn(picture), sameLength ? differing(text, candidates.filter((o) => o !== text)) : undefined, text)) : [];
    const [alone, larger2] = said as [Reading, Reading];
    let text: string | undefined;
    // Of readings of as many characters with the same letters, the one the known drawings do not gainsay (no digit drawn
    // as another digit there, nor unlike every drawing of the digit read: "08:29" whose 8 lies far from the totals' 8s).
    const ungainsaid = drawn.length !== 1 && lettersAgree && sameLength && candidates.length > 1 ? candidates.filter((t) => !gainsaidByAmounts(picture, word, knownIn(picture), t)) : [];
    if (drawn.length === 1) text = drawn[0]!;
    else if (ungainsaid.length === 1) text = ungainsaid[0]!;
    // Else read alike twice out of its context: what both read (the line's reading has no neighbour's sign caught at its
    // edge), when that is letters, digits and an identifier's punctuation, and not a character read as its look-alike.
    else if (sameCharacters(alone.text, larger2.text) && Math.min(alone.confidence, larger2.confidence) >= REREADS_AGREE && plainReading(larger2.text) && !lookAlikeSwapped(word.text, larger2.text)) text = larger2.text;
    // Else two readings that agree surely against one the engine itself gives less than half: the word as read.
    else if (said.some((r) => bearsOut(r.text, word.text) && Math.min(r.confidence, word.confidence) >= MAJORITY_SURE) && disputes.every((r) => r.confidence < AGREEING_FLOOR)) text = word.text;
    if (text === undefined) {
      word.confidence = lowest / 2;
      takeToldByDots();
      return;
    }
    word.confidence = CONFIRMED;
    if (text === word.text) return;
    word.text = text;
    changed.add(picture);
  };
  for (const h of heard) {
    settle(h);
    // However the readings settled it, a digit drawn as another digit of the known drawings holds the word for a person.
    if (contradictedByAmounts(h.picture, h.word, knownIn(h.picture))) h.word.confidence = Math.min(h.word.confidence, h.lowest / 2);
  }
  for (const word of sure) {
    const picture = pictureOf.get(word)!;
    if (contradictedByAmounts(picture, word, knownIn(picture))) word.confidence /= 2;
  }
  for (const line of read.read.lines) line.confidence = meanConfidence(line.words);
  read.read.confidence = meanConfidence(read.read.lines.flatMap((l) => l.words));
  if (changed.size === 0) return read;
  // A word read otherwise: the pictures' lines laid out again with it, and joined to the receipt's text anew.
  return joinPictureText(receipt, texts.map((t, i) => (changed.has(pictures[i]!) ? laidOut(t.lines) : t)));
}

/**
 * Whether another reading of a word bears it out: the same characters (sameCharacters); or the same but
 * where it has a sign the engine puts for a character it could not place ("©51657" for 051657 says
 * nothing of the first digit), or, in a word of digits alone (a time, a date, a card's last four), a
 * letter that is no other digit's look-alike ("19:1e" and "19:l0" for 19:10; "19:1S" disputes it); or
 * the same time with its colon read as a point ("07.57", "07:57"); or the same month with a digit read
 * for its O ("19-0ct-2027", "19-Oct-2027": the same date).
 */
function bearsOut(reading: string, word: string): boolean {
  if (sameCharacters(reading, word)) return true;
  const [r, w] = [[...monthsAsLetters(trimPunctuation(reading))], [...monthsAsLetters(trimPunctuation(word))]];
  if (r.length === 0 || r.length !== w.length) return false;
  if (TIME.test(r.join('')) && TIME.test(w.join(''))) return r.join('').replace('.', ':') === w.join('').replace('.', ':');
  const digitsAlone = !w.some((c) => /\p{L}/u.test(c));
  return r.every((c, i) => {
    const there = w[i]!;
    if (c === there || (UNPLACED.test(c) && /[\p{L}\p{N}]/u.test(there))) return true;
    const digitOf = LOOK_ALIKES[c];
    return digitsAlone && /\d/.test(there) && /\p{L}/u.test(c) && (digitOf === undefined || digitOf === there);
  });
}

/** A sign the engine reads for a character it could not place ("©", "®", "€", "»"): neither a letter, a digit, nor an identifier's punctuation. */
const UNPLACED = /^[^\p{L}\p{N}\s.,:;\-\/]$/u;
const TIME = /^\d{1,2}[.:]\d{2}$/;
/** A reading without the punctuation a crop catches at either end (a neighbour's colon or point); other signs kept. */
const trimPunctuation = (s: string): string => s.replace(/^[.,:;'"`]+|[.,:;'"`]+$/g, '');
/** An identifier of digits and their punctuation, after a prefix of letters or none ("R000948", "INV-594100", "09/02/2026", "13:49"). */
const DIGITS_AFTER_PREFIX = /^(?:\p{L}{1,4}-?)?\d[\d\-\/.:]*$/u;
/** A reading of letters, digits and an identifier's punctuation, with no look-alike letter beside a digit ("RO56373"). */
const plainReading = (s: string): boolean => /^[\p{L}\p{N}.,:;\-\/]+$/u.test(trimEnds(s)) && !LOOK_ALIKE_BESIDE_DIGIT.test(trimEnds(s));

/** Two readings of as many characters where one has a look-alike letter and the other the digit it looks like ("RO56373", "R056373"). */
function lookAlikeSwapped(a: string, b: string): boolean {
  const [x, y] = [[...trimEnds(a)], [...trimEnds(b)]];
  return x.length === y.length && x.some((c, i) => LOOK_ALIKES[c] === y[i] || LOOK_ALIKES[y[i]!] === c);
}

/** What one of the other readings of a word said: its words' texts joined, and the least sure of them. */
interface Reading {
  text: string;
  confidence: number;
}

/**
 * A line's words read again on their own at SECOND_READING_SCALE: the picture's width, from its words'
 * top to their bottom with a little white (as rereadUnsure reads a line), boxes back in the picture's
 * rows. The line's other words give the engine the context a word cut out alone lacks (it read
 * INV-594100 right at 80 % here, where the word alone at twice the size came back "INV-5384100").
 */
async function lineAlone(picture: Bitmap, line: readonly OcrWord[], pool: OcrPool): Promise<OcrWord[]> {
  const boxes = line.flatMap((w) => (w.box ? [w.box] : []));
  const lines = await readRows(picture, Math.min(...boxes.map((b) => b.y0)), Math.max(...boxes.map((b) => b.y1)), pool, SECOND_READING_SCALE);
  return lines.flatMap((l) => l.words);
}

/**
 * The box around a word to read it alone: a quarter of its height of white above and below and on
 * each side, but never past half way to the words beside it on its line (a neighbour's colon or last
 * letter caught at the edge is read as a character of the word: ":R116650" read "1R116650"). The
 * engine's file gets a white margin of its own (image.ts).
 */
function wordAlone(word: OcrWord, line: readonly OcrWord[]): Box {
  const b = word.box!;
  const pad = (b.y1 - b.y0) / 4;
  const i = line.indexOf(word);
  const before = line[i - 1]?.box;
  const after = line[i + 1]?.box;
  return {
    x0: Math.max(b.x0 - pad, before ? (before.x1 + b.x0) / 2 : -Infinity),
    y0: b.y0 - pad,
    x1: Math.min(b.x1 + pad, after ? (b.x1 + after.x0) / 2 : Infinity),
    y1: b.y1 + pad,
  };
}

/**
 * A reading the engine itself is less sure of than this is no reading: it neither agrees nor disputes
 * (a word cut out and read alone at twice the size comes back now and then as "INV-1098734" at 10 %).
 */
const NO_READING = 0.2;

/**
 * Where other readings of the same length read other characters than `text` (indices into its
 * characters), or undefined (every character) when one has another length: which digit went missing
 * or came in cannot be told. The comparison leaves out signs at either end, as sameCharacters does.
 */
function differing(text: string, others: readonly string[]): Set<number> | undefined {
  const core = trimEnds(text);
  const start = text.indexOf(core);
  const out = new Set<number>();
  for (const other of others.map(trimEnds)) {
    if (other.length !== core.length) return undefined;
    for (let i = 0; i < core.length; i++) if (other[i] !== core[i]) out.add(start + i);
  }
  return out;
}

/** A reading without the signs at either end (a neighbour's colon caught by the crop). */
const trimEnds = (s: string): string => s.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');

/** Two readings of a word with the same characters other than digits, in the same order ("INV-5384100" and "INV-584100"; not "RO80104" and "R080104"). */
function sameLetters(a: string, b: string): boolean {
  return trimEnds(a).replace(/\d/g, '') === trimEnds(b).replace(/\d/g, '');
}

/**
 * Two readings of a word with the same letters and digits between the same punctuation: a sign at
 * either end may be a neighbour's, caught by the crop. Two readings of an amount with the same digits
 * are the same amount: its thousands comma read as a point, or not read ("2221.68", "2,221.68").
 */
function sameCharacters(a: string, b: string): boolean {
  const [x, y] = [trimEnds(a), trimEnds(b)];
  if (x === '') return false;
  return AMOUNT_WORD.test(x) && AMOUNT_WORD.test(y) ? x.replace(/\D/g, '') === y.replace(/\D/g, '') : x === y;
}

/**
 * A tall picture is cut where blank rows part its lines into as many parts as the pool has workers
 * (each at least MIN_PART_ROWS tall), and the parts are read at once: a receipt's first reading is
 * the engine's line recogniser going down the lines one by one, and two workers read it in about
 * half the time. Cut only between printed lines, each line is read whole in one part.
 */
async function readWhole(picture: Bitmap, pool: OcrPool): Promise<OcrText> {
  const parts = partsOf(picture, Math.min(pool.capacity, Math.floor(picture.height / MIN_PART_ROWS)));
  if (parts.length <= 1) return readSkipped(picture, await pool.recognize(picture), pool);
  const texts = await Promise.all(parts.map((p) => readBox(picture, { x0: 0, y0: p.y0, x1: picture.width, y1: p.y1 }, pool)));
  return readSkipped(picture, laidOut(texts.flat()), pool);
}

/**
 * The rows y0 to y1 of a picture read on their own across its whole width, with a little white above
 * and below (less than the blank rows between printed lines), at `scale`; the lines read placed back
 * in the picture's rows.
 */
async function readRows(picture: Bitmap, y0: number, y1: number, pool: OcrPool, scale = 1): Promise<Array<{ words: OcrWord[]; y: number }>> {
  const pad = Math.max(2, Math.round((y1 - y0) * 0.15));
  return readBox(picture, { x0: 0, y0: y0 - pad, x1: picture.width, y1: y1 + pad }, pool, scale);
}

/** The part of a picture inside `box` read on its own at `scale`; the lines read placed back in the whole picture's dots. */
async function readBox(picture: Bitmap, box: Box, pool: OcrPool, scale = 1): Promise<Array<{ words: OcrWord[]; y: number }>> {
  const left = Math.max(0, Math.floor(box.x0));
  const top = Math.max(0, Math.floor(box.y0));
  const text = await pool.recognize(cropBitmap(picture, { ...box, x0: left, y0: top }), scale);
  const moved = (b: Box): Box => ({ x0: b.x0 + left, y0: b.y0 + top, x1: b.x1 + left, y1: b.y1 + top });
  return text.lines.map((l) => ({ y: l.y + top, words: l.words.map((w) => (w.box ? { ...w, box: moved(w.box) } : w)) }));
}

/**
 * The reading with each printed line the engine skipped whole (unreadPrint: print no word covers, on
 * rows where no word was read) read again on its own, the picture's width from its ink's top to its
 * bottom; a line that comes back as one line joins the reading. (The engine's page layout leaves out
 * a line now and then, "Card: **** **** **** 9544" among them: read alone it is read.) Print beside
 * read words (the amounts of "SUBTOTAL", "VAT 7.5%" and "TOTAL" left out) is read alone (readRest)
 * and its words join their line. Print still unread after this sends the receipt to review
 * (receipts/ocr.ts).
 */
async function readSkipped(picture: Bitmap, text: OcrText, pool: OcrPool): Promise<OcrText> {
  const boxes = text.lines.flatMap((l) => l.words.flatMap((w) => (w.box ? [w.box] : [])));
  const bands = new Map<string, { y0: number; y1: number }>();
  /** Stretches on rows where words were read: the rest of a line ("SUBTOTAL" read, its amount not). */
  const rests: PrintBox[] = [];
  for (const u of unreadPrint(picture, text)) {
    if (!boxes.some((b) => b.y1 > u.y0 && b.y0 < u.y1)) bands.set(`${u.y0}:${u.y1}`, u);
    else rests.push(u);
  }
  if (bands.size === 0 && rests.length === 0) return text;
  const [found, pieces] = await Promise.all([
    Promise.all(
      [...bands.values()].map(async (band) => {
        const alone = await readRows(picture, band.y0, band.y1, pool);
        return alone.length === 1 ? alone : [];
      }),
    ),
    Promise.all(rests.map((rest) => readRest(picture, rest, pool))),
  ]);
  if (found.every((f) => f.length === 0) && pieces.every((p) => p.length === 0)) return text;
  // Each piece joins the line whose words share its rows, in its place along the line.
  const lines = text.lines.map((l) => ({ y: l.y, words: [...l.words] }));
  for (const w of pieces.flat()) {
    const line = lines.find((l) => l.words.some((x) => x.box && x.box.y1 > w.box!.y0 && x.box.y0 < w.box!.y1));
    if (!line) continue;
    line.words.push(w);
    line.words.sort((a, b) => a.box!.x0 - b.box!.x0);
  }
  return laidOut([...lines, ...found.flat()]);
}

/**
 * A stretch of print beside read words, cut out with a quarter of its height of white around it and
 * read alone at SECOND_READING_SCALE: its words holding a letter or digit that the engine gives
 * NO_READING or more, boxes in the picture's dots. (Read at the picture's size, a short stretch often
 * comes back empty.)
 */
async function readRest(picture: Bitmap, rest: PrintBox, pool: OcrPool): Promise<OcrWord[]> {
  const pad = Math.max(2, Math.round((rest.y1 - rest.y0) / 4));
  const lines = await readBox(picture, { x0: rest.x0 - pad, y0: rest.y0 - pad, x1: rest.x1 + pad, y1: rest.y1 + pad }, pool, SECOND_READING_SCALE);
  return lines.flatMap((l) => l.words).filter((w) => w.box && /[\p{L}\p{N}]/u.test(w.text) && w.confidence >= NO_READING);
}

/** A part of a picture read on its own is at least this tall: about six lines of printer text. */
export const MIN_PART_ROWS = 160;

/** Blank rows between printed lines: a run this long parts two lines (a letter's dot or accent is closer). */
const MIN_CUT_GAP = 3;

/**
 * Rows [y0, y1) cutting the picture into up to `count` parts of about equal height, each cut in the
 * middle of a run of blank rows near where it should fall (within a quarter of a part's height); a
 * picture with no such gap stays whole.
 */
export function partsOf(picture: Bitmap, count: number): Array<{ y0: number; y1: number }> {
  const whole = [{ y0: 0, y1: picture.height }];
  if (count <= 1) return whole;
  const stride = Math.ceil(picture.width / 8);
  const gaps: number[] = [];
  let run = 0;
  for (let y = 0; y <= picture.height; y++) {
    const blank = y < picture.height && picture.data.subarray(y * stride, (y + 1) * stride).every((b) => b === 0);
    if (blank) run++;
    else {
      if (run >= MIN_CUT_GAP && y - run > 0 && y < picture.height) gaps.push(y - Math.ceil(run / 2));
      run = 0;
    }
  }
  const part = picture.height / count;
  const cuts: number[] = [];
  for (let j = 1; j < count; j++) {
    const want = part * j;
    const best = gaps.reduce<number | null>((b, g) => (Math.abs(g - want) <= part / 4 && (b === null || Math.abs(g - want) < Math.abs(b - want)) ? g : b), null);
    if (best !== null && best > (cuts.at(-1) ?? 0)) cuts.push(best);
  }
  if (cuts.length === 0) return whole;
  return [0, ...cuts].map((y0, i) => ({ y0, y1: cuts[i] ?? picture.height }));
}

/**
 * The reading with each line holding an unsure word (below RECHECK_BELOW), and with `amounts` each
 * line holding an amount, read again on its own, the whole width of the picture from its words' top
 * to their bottom, at `scale`. A line that does not come back as one line stays as it was; the first
 * reading is not changed. `reread`: lines read again.
 */
async function rereadUnsure(picture: Bitmap, text: OcrText, pool: OcrPool, scale: number, amounts = false): Promise<{ text: OcrText; reread: number }> {
  let reread = 0;
  const lines = await Promise.all(
    text.lines.map(async (line) => {
      const same = { words: line.words.map((w) => ({ ...w })), y: line.y };
      const boxes = line.words.flatMap((w) => (w.box ? [w.box] : []));
      const doubted = line.words.some((w) => w.confidence < RECHECK_BELOW || (amounts && AMOUNT_WORD.test(w.text)));
      if (!doubted || boxes.length !== line.words.length) return same;
      reread++;
      const alone = await readRows(picture, Math.min(...boxes.map((b) => b.y0)), Math.max(...boxes.map((b) => b.y1)), pool, scale);
      return alone.length === 1 ? alone[0]! : same;
    }),
  );
  return { text: laidOut(lines), reread };
}


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
/** Two boxes across the same columns: overlapping by more than half the narrower one's width. */
const sameColumns = (a: Box, b: Box): boolean => Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) > 0.5 * Math.min(a.x1 - a.x0, b.x1 - b.x0);
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
  // Every unsure word at once: a pool of several workers reads them side by side.
  const unsure = text.lines.flatMap((l) => l.words).filter((w) => w.confidence < RECHECK_BELOW && w.box && /\d/.test(w.text));
  await Promise.all(
    unsure.map(async (word) => {
      const box = word.box!;
      const h = box.y1 - box.y0;
      const alone = await pool.recognize(cropBitmap(picture, { x0: box.x0 - h, y0: box.y0 - h / 2, x1: box.x1 + h, y1: box.y1 + h / 2 }));
      const again = alone.lines.flatMap((l) => l.words);
      if (again.map((w) => w.text).join('') === word.text) word.confidence = Math.max(word.confidence, Math.min(...again.map((w) => w.confidence)));
      else if (again.length) {
        // An amount read as another amount: both readings are the engine's, and the arithmetic chooses (never a digit made up).
        if (again.length === 1 && AMOUNT_WORD.test(word.text) && AMOUNT_WORD.test(again[0]!.text)) word.alternatives = [{ text: again[0]!.text, confidence: again[0]!.confidence }];
        word.confidence = Math.min(word.confidence, ...again.map((w) => w.confidence));
      }
    }),
  );
  for (const line of text.lines) line.confidence = meanConfidence(line.words);
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
