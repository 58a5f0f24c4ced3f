// The code-page check: text that reads as garbage (box drawing, replacement characters, UTF-8 seen as a single-byte page) gets a `suspect_encoding` warning naming the page that reads it.
import { isDoubleByte } from './codepages.js';
import type { DecodedReceipt, DecoderWarning } from './types.js';

/** Pages tried, in order of preference: UTF-8, the Windows pages, the DOS pages, the double-byte ones. */
const CANDIDATES = [
  'UTF-8',
  'WPC1252',
  'WPC1250',
  'WPC1251',
  'WPC1253',
  'WPC1254',
  'WPC1255',
  'WPC1256',
  'WPC1257',
  'WPC1258',
  'CP437',
  'CP858',
  'CP866',
  'GBK',
  'BIG5',
  'SHIFT_JIS',
  'EUC-KR',
];

// UTF-8 text encoded twice: its lead bytes, read as Latin-1, encoded again ("Ã©" for "é").
const DOUBLE_ENCODED = /[\u00c2\u00c3][\u0080-\u00bf]/;

// Character classes (a table: the check must cost next to nothing on a busy till). Garbage is made of box
// drawing and block elements (CP437 0xB0-0xDF), the replacement character, CP437's Greek and math symbols
// (0xE0-0xFE), and UTF-8 lead bytes read as Latin-1/1252 followed by a continuation byte ("Ã©").
const F_BOX = 1;
const F_UNLIKELY = 2;
const F_ALNUM = 4;
const F_LEAD = 8;
const F_CONT = 16;
let classes: Uint8Array | null = null;
function classTable(): Uint8Array {
  if (classes) return classes;
  const t = new Uint8Array(0x10000);
  const mark = (from: number, to: number, f: number) => {
    for (let c = from; c <= to; c++) t[c] = (t[c] as number) | f;
  };
  mark(0x30, 0x39, F_ALNUM);
  mark(0x41, 0x5a, F_ALNUM);
  mark(0x61, 0x7a, F_ALNUM);
  mark(0xc0, 0x24f, F_ALNUM);
  for (const [from, to] of [[0x400, 0x4ff], [0x590, 0x6ff], [0xe00, 0xe7f], [0x3040, 0x9fff], [0xac00, 0xd7a3]] as const) mark(from, to, F_ALNUM);
  mark(0x2500, 0x259f, F_BOX);
  for (const ch of UNLIKELY_CHARS) {
    const c = ch.charCodeAt(0);
    t[c] = F_UNLIKELY;
  }
  // Greek letters are text; those CP437 has at 0xE0-0xEE are also what box-drawing garbage is made of (see garble).
  mark(0x386, 0x3ce, F_ALNUM);
  for (const ch of CP437_GREEK) t[ch.charCodeAt(0)] = F_UNLIKELY | F_ALNUM;
  mark(0xc2, 0xef, F_LEAD);
  mark(0x80, 0xbf, F_CONT);
  for (const ch of '\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u20ac\u2122') t[ch.charCodeAt(0)] = (t[ch.charCodeAt(0)] as number) | F_CONT;
  mark(0x2013, 0x203a, F_CONT);
  classes = t;
  return t;
}
const CP437_GREEK = '\u03b1\u0393\u03c0\u03a3\u03c3\u03c4\u03a6\u0398\u03a9\u03b4\u03c6\u03b5';
const UNLIKELY_CHARS = '\ufffd\u2219\u221a\u221e\u2229\u2261\u2264\u2265\u2320\u2321\u2310\u207f\u25a0\u2248';

/**
 * Characters garbage is made of, by code point: box drawing, U+FFFD, unlikely symbols (CP437's Greek and math
 * included) and what follows a UTF-8 lead byte read as a Latin page. Every character `countGarble` counts as bad
 * is one of these or stands just before one: a line without them adds nothing bad, and need not be looked at.
 */
let oddChars: Uint8Array | null = null;
export function oddCharTable(): Uint8Array {
  if (oddChars) return oddChars;
  const t = classTable();
  const odd = new Uint8Array(0x10000);
  for (let c = 0x80; c < 0x10000; c++) if ((t[c] as number) & (F_BOX | F_UNLIKELY | F_CONT)) odd[c] = 1;
  oddChars = odd;
  return odd;
}

const textTables = new WeakMap<Uint16Array, Uint32Array>();
/**
 * A single-byte code page's table (byte → character) for the decoder's text loop: the character in the low 16
 * bits, 1 above them when it is odd (`oddCharTable`), so one lookup gives both.
 */
export function textTable(table: Uint16Array): Uint32Array {
  let t = textTables.get(table);
  if (t) return t;
  const odd = oddCharTable();
  t = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    const c = table[b] as number;
    t[b] = c | ((odd[c] as number) << 16);
  }
  textTables.set(table, t);
  return t;
}

/** What garbage counts in a text: bad characters (CP437's Greek among them kept apart) among the non-ASCII ones. */
export interface GarbleCount {
  bad: number;
  /** CP437's twelve Greek letters, and Greek letters it lacks (their presence says the Greek is real text). */
  greek: number;
  greekOutside437: number;
  nonAscii: number;
}

export function garbleCount(): GarbleCount {
  return { bad: 0, greek: 0, greekOutside437: 0, nonAscii: 0 };
}

// What `countGarble` reads per character, one table lookup: the classes above recast so that each rule is
// a shift and a mask, with no branch per character (code-page tables mix the classes at random).
const C_BOX = 1;
const C_UNLIKELY = 2; // an unlikely symbol other than CP437's Greek letters
const C_NEAR = 4; // makes a box-drawing neighbour bad: a letter, a digit, an unlikely symbol
const C_LEAD = 8;
const C_CONT = 16;
const C_GREEK437 = 32;
const C_GREEK_OTHER = 64;
const C_NON_ASCII = 128;
let countClasses: Uint8Array | null = null;
function countTable(): Uint8Array {
  if (countClasses) return countClasses;
  const t = classTable();
  const cc = new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    const f = t[c] as number;
    let x = (f & (F_ALNUM | F_UNLIKELY) ? C_NEAR : 0) | (c >= 0x80 ? C_NON_ASCII : 0);
    // Greek text uses letters CP437 lacks; garbage from CP437 only the twelve it has.
    if (c >= 0x386 && c <= 0x3ce) x |= f & F_UNLIKELY ? C_GREEK437 : C_GREEK_OTHER;
    else if (c >= 0x80) x |= (f & F_BOX ? C_BOX : 0) | (f & F_UNLIKELY ? C_UNLIKELY : 0) | (f & F_LEAD ? C_LEAD : 0) | (f & F_CONT ? C_CONT : 0);
    cc[c] = x;
  }
  countClasses = cc;
  return cc;
}

/**
 * Adds the counts of the characters `chars[0..n)`, a line or a text (neighbours beyond it count as none): bad
 * are unlikely symbols, box drawing beside a letter, digit or unlikely symbol, and a UTF-8 lead byte read as
 * Latin before a continuation byte.
 */
export function countGarble(chars: Uint16Array, n: number, into: GarbleCount): void {
  const cc = countTable();
  let bad = 0;
  let greek = 0;
  let greekOutside437 = 0;
  let nonAscii = 0;
  let prev = 0;
  let f = n > 0 ? (cc[chars[0] as number] as number) : 0;
  for (let k = 0; k < n; k++) {
    const next = k + 1 < n ? (cc[chars[k + 1] as number] as number) : 0;
    bad += ((f >> 1) & 1) + (f & ((prev | next) >> 2) & 1) + ((f >> 3) & (next >> 4) & 1);
    greek += (f >> 5) & 1;
    greekOutside437 += (f >> 6) & 1;
    nonAscii += f >> 7;
    prev = f;
    f = next;
  }
  into.bad += bad;
  into.greek += greek;
  into.greekOutside437 += greekOutside437;
  into.nonAscii += nonAscii;
}

let scratch = new Uint16Array(4096);
/** `countGarble` over a string. */
export function countTextGarble(text: string, into: GarbleCount): void {
  const n = text.length;
  if (n > scratch.length) scratch = new Uint16Array(Math.max(n, scratch.length * 2));
  for (let k = 0; k < n; k++) scratch[k] = text.charCodeAt(k);
  countGarble(scratch, n, into);
}

/** Bad characters in all: CP437's Greek letters are bad unless real Greek text is there too. */
function badOf(g: GarbleCount): number {
  return g.greekOutside437 > 0 ? g.bad : g.bad + g.greek;
}

/**
 * Garbage by the counts: at least two bad characters, a third of the non-ASCII ones. With `greekOutside437`
 * left uncounted (0) it can only say yes more often: what the decoder's gate relies on.
 */
export function looksGarbled(g: GarbleCount): boolean {
  const bad = badOf(g);
  return bad >= 2 && bad * 3 >= g.nonAscii;
}

function garble(text: string): { bad: number; nonAscii: number } {
  const g = garbleCount();
  countTextGarble(text, g);
  return { bad: badOf(g), nonAscii: g.nonAscii };
}

/** Latin pages: their text rarely has four accented letters in a row (Cyrillic or Greek bytes read as Latin do). */
const LATIN = new Set(['WPC1252', 'WPC1250', 'WPC1254', 'WPC1257', 'WPC1258', 'CP437', 'CP858']);
const NON_ASCII_RUN = /[^\u0000-\u007f]{4}/;

function isClean(text: string, page: string): boolean {
  const g = garble(text);
  return g.nonAscii > 0 && g.bad === 0 && !(LATIN.has(page) && NON_ASCII_RUN.test(text));
}

/**
 * A `suspect_encoding` warning when the receipt's text looks mis-decoded, naming the first candidate page
 * that reads its bytes cleanly; null when it looks right. The decoder calls it only when its counts say the
 * text may be garbage (`looksGarbled`) or its double-byte text is shaped like UTF-8 (`utf8Like`); this looks
 * again at the whole text, then decodes the raw bytes with other default pages (`redecode`).
 */
export function suspectEncoding(
  receipt: DecodedReceipt,
  page: string | undefined,
  utf8Like: boolean,
  redecode: (bytes: Uint8Array, codepage: string) => string,
): DecoderWarning | null {
  const text = receipt.lines.map((l) => l.text).join('\n');
  const current = page ?? 'the current code page';
  const g = garble(text);
  if (g.bad >= 2 && g.bad * 3 >= g.nonAscii) {
    const what = `${g.bad} of ${g.nonAscii} non-ASCII characters are box-drawing, replacement or unlikely symbols`;
    const utf8 = page === 'UTF-8' ? text : redecode(receipt.raw, 'UTF-8');
    if (!utf8.includes('\ufffd') && DOUBLE_ENCODED.test(utf8)) {
      return warning(`the text looks encoded twice as UTF-8 by the POS (${what}, e.g. "Ã©" for "é"); no printer code page reads it: fix the POS's text encoding`);
    }
    for (const cand of CANDIDATES) {
      if (cand === page) continue;
      const t = cand === 'UTF-8' ? utf8 : redecode(receipt.raw, cand);
      if (t !== text && isClean(t, cand)) return suggest(current, cand, what);
    }
    return warning(`the text looks mis-decoded as ${current} (${what}) and no code page tried reads it cleanly; check the POS's and the device's code page`);
  }
  if (utf8Like && page !== undefined && isDoubleByte(page)) {
    // UTF-8 read as GBK/Big5/... looks like (odd) Chinese; UTF-8 that decodes without a replacement character is the tell.
    const utf8 = redecode(receipt.raw, 'UTF-8');
    if (utf8 !== text && isClean(utf8, 'UTF-8')) return suggest(current, 'UTF-8', 'its bytes are valid UTF-8 text');
  }
  return null;
}

function suggest(current: string, cand: string, what: string): DecoderWarning {
  return warning(
    `the text looks mis-decoded as ${current} (${what}); it reads cleanly as ${cand}: set this device's code page to ${cand} ` +
      `(check with \`taxpoynt-bridge decode FILE --codepage ${cand}\`)`,
  );
}

function warning(message: string): DecoderWarning {
  return { code: 'suspect_encoding', offset: 0, message };
}
