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

// Box drawing and block elements (CP437 0xB0-0xDF), replacement character, CP437's Greek and math
// symbols (0xE0-0xFE), and UTF-8 lead bytes read as Latin-1/1252 followed by a continuation byte ("Ã©").
const BOX = '\u2500-\u259f';
const UNLIKELY = '\ufffd\u03b1\u0393\u03c0\u03a3\u03c3\u03c4\u03a6\u0398\u03a9\u03b4\u03c6\u03b5\u2219-\u221e\u2229\u2261\u2264\u2265\u2320\u2321\u2310\u207f\u25a0\u2248';
const CONTINUATION_1252 = '\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122';
const SUSPECT = new RegExp(`[${BOX}${UNLIKELY}]|[\u00c2-\u00ef][${CONTINUATION_1252}]`);
const DOUBLE_ENCODED = /[\u00c2\u00c3][\u0080-\u00bf]/;

// Character classes for the count (a table: the check must cost next to nothing on a busy till).
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

/** How garbled a text looks: unlikely characters among the non-ASCII ones. */
function garble(text: string): { bad: number; nonAscii: number } {
  const t = classTable();
  let bad = 0;
  let nonAscii = 0;
  let greek = 0;
  let greekOutside437 = 0;
  const n = text.length;
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c < 0x80) continue;
    nonAscii++;
    const f = t[c] as number;
    if (c >= 0x386 && c <= 0x3ce) {
      // Greek text uses letters CP437 lacks; garbage from CP437 only the twelve it has.
      if (f & F_UNLIKELY) greek++;
      else greekOutside437++;
      continue;
    }
    if (f & F_UNLIKELY) bad++;
    else if (f & F_BOX) {
      const near = (k > 0 ? (t[text.charCodeAt(k - 1)] as number) : 0) | (k + 1 < n ? (t[text.charCodeAt(k + 1)] as number) : 0);
      if (near & (F_ALNUM | F_UNLIKELY)) bad++;
    } else if (f & F_LEAD && k + 1 < n && (t[text.charCodeAt(k + 1)] as number) & F_CONT) bad++;
  }
  return { bad: greekOutside437 > 0 ? bad : bad + greek, nonAscii };
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
 * that reads its bytes cleanly; null when it looks right. `redecode` decodes the raw bytes with another
 * default page. Cheap when nothing looks wrong: one regular-expression test per line.
 */
export function suspectEncoding(
  receipt: DecodedReceipt,
  page: string | undefined,
  redecode: (bytes: Uint8Array, codepage: string) => string,
): DecoderWarning | null {
  const doubleByte = page !== undefined && isDoubleByte(page);
  let suspect = false;
  let nonAscii = false;
  for (const l of receipt.lines) {
    if (!suspect) suspect = SUSPECT.test(l.text);
    if (doubleByte && !nonAscii) nonAscii = /[^\u0000-\u007f]/.test(l.text);
    if (suspect && (nonAscii || !doubleByte)) break;
  }
  if (!suspect && !nonAscii) return null;
  const text = receipt.lines.map((l) => l.text).join('\n');
  const current = page ?? 'the current code page';
  const g = suspect ? garble(text) : null;
  if (g && g.bad >= 2 && g.bad * 3 >= g.nonAscii) {
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
  if (doubleByte && nonAscii) {
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
