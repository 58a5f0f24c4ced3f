// Code pages: ESC t table numbers, names, byte→UTF-16 lookup tables, ESC R national sets and FS & double-byte decoding.
import { UPPER_HALVES } from './codepage-tables.js';

/** A code page name the decoder does not know (config `codepage`, `--codepage`). */
export class UnknownCodepageError extends Error {
  readonly code = 'unknown_codepage';
  constructor(readonly requested: string) {
    super(
      `Unknown code page "${requested}": use one of ${listCodepages().join(', ')} ` +
        `(run \`taxpoynt-bridge decode --help\`), or set the printer's code page in the device config.`,
    );
    this.name = 'UnknownCodepageError';
  }
}

/** Double-byte encodings selected by FS & (Kanji/Chinese mode). */
export const DOUBLE_BYTE = ['GBK', 'BIG5', 'SHIFT_JIS', 'EUC-KR'] as const;
export type DoubleByteName = (typeof DOUBLE_BYTE)[number];

/** Epson ESC t n → code page name (ESC/POS Application Programming Guide, "Character code tables"). */
export const ESC_T_TABLES: Readonly<Record<number, string>> = {
  0: 'CP437',
  1: 'KATAKANA',
  2: 'CP850',
  3: 'CP860',
  4: 'CP863',
  5: 'CP865',
  13: 'CP857',
  14: 'CP737',
  15: 'ISO-8859-7',
  16: 'WPC1252',
  17: 'CP866',
  18: 'CP852',
  19: 'CP858',
  20: 'CP874', // Thai character code 42 (TIS-620 layout)
  21: 'CP874',
  26: 'CP874',
  32: 'CP720',
  33: 'CP775',
  34: 'CP855',
  35: 'CP861',
  36: 'CP862',
  37: 'CP864',
  38: 'CP869',
  39: 'ISO-8859-2',
  40: 'ISO-8859-15',
  44: 'CP1125',
  45: 'WPC1250',
  46: 'WPC1251',
  47: 'WPC1253',
  48: 'WPC1254',
  49: 'WPC1255',
  50: 'WPC1256',
  51: 'WPC1257',
  52: 'WPC1258',
  53: 'KZ1048',
};

/** Star's ESC GS t n numbering (Star Line Mode command spec), where it differs from Epson's. */
export const STAR_TABLES: Readonly<Record<number, string>> = {
  0: 'CP437',
  1: 'CP437',
  2: 'KATAKANA',
  3: 'CP437',
  4: 'CP858',
  5: 'CP852',
  6: 'CP860',
  7: 'CP861',
  8: 'CP863',
  9: 'CP865',
  10: 'CP866',
  11: 'CP855',
  12: 'CP857',
  13: 'CP862',
  14: 'CP864',
  15: 'CP737',
  17: 'CP869',
  21: 'CP874',
  32: 'WPC1252',
  33: 'WPC1250',
  34: 'WPC1251',
};

const ALIASES: Readonly<Record<string, string>> = {
  PC437: 'CP437',
  IBM437: 'CP437',
  PC850: 'CP850',
  PC852: 'CP852',
  PC858: 'CP858',
  PC860: 'CP860',
  PC863: 'CP863',
  PC865: 'CP865',
  PC866: 'CP866',
  CP1252: 'WPC1252',
  WINDOWS1252: 'WPC1252',
  CP1250: 'WPC1250',
  WINDOWS1250: 'WPC1250',
  CP1251: 'WPC1251',
  WINDOWS1251: 'WPC1251',
  CP1253: 'WPC1253',
  CP1254: 'WPC1254',
  CP1255: 'WPC1255',
  CP1256: 'WPC1256',
  CP1257: 'WPC1257',
  CP1258: 'WPC1258',
  LATIN1: 'ISO-8859-1',
  ISO88591: 'ISO-8859-1',
  ISO88592: 'ISO-8859-2',
  ISO88597: 'ISO-8859-7',
  ISO885915: 'ISO-8859-15',
  LATIN9: 'ISO-8859-15',
  TIS620: 'CP874',
  THAI: 'CP874',
  GB2312: 'GBK',
  CP936: 'GBK',
  GBK: 'GBK',
  BIG5: 'BIG5',
  CP950: 'BIG5',
  SHIFTJIS: 'SHIFT_JIS',
  SJIS: 'SHIFT_JIS',
  CP932: 'SHIFT_JIS',
  EUCKR: 'EUC-KR',
  CP949: 'EUC-KR',
  KATAKANA: 'KATAKANA',
  UTF8: 'UTF-8',
};

const SINGLE_BYTE = [...Object.keys(UPPER_HALVES), 'KATAKANA'];

/** Every code page name `codepage` options accept (canonical spelling). UTF-8 is for printers set to UTF-8 (FS ( C). */
export function listCodepages(): string[] {
  return [...SINGLE_BYTE, ...DOUBLE_BYTE, 'UTF-8'];
}

function squash(name: string): string {
  let out = '';
  for (const ch of name.toUpperCase()) if (ch !== '-' && ch !== '_' && ch !== ' ') out += ch;
  return out;
}

/** Canonical name for a user-given code page name; throws UnknownCodepageError. */
export function canonicalCodepage(name: string): string {
  const upper = name.trim().toUpperCase();
  if (listCodepages().includes(upper)) return upper;
  const sq = squash(name);
  for (const known of listCodepages()) if (squash(known) === sq) return known;
  const alias = ALIASES[sq];
  if (alias) return alias;
  throw new UnknownCodepageError(name);
}

export function isDoubleByte(name: string): name is DoubleByteName {
  return (DOUBLE_BYTE as readonly string[]).includes(name);
}

const tableCache = new Map<string, Uint16Array>();

/**
 * 256-entry byte → UTF-16 code unit table for a single-byte page. 0 means "prints nothing"
 * (control codes); 0x00-0x1F are always 0 because the decoder handles them as commands.
 */
export function singleByteTable(name: string): Uint16Array {
  const cached = tableCache.get(name);
  if (cached) return cached;
  const t = new Uint16Array(256);
  for (let b = 0x20; b < 0x7f; b++) t[b] = b;
  if (name === 'KATAKANA') {
    // JIS X 0201 half-width katakana; Epson's graphics in 0x80-0x9F and 0xE0-0xFF have no Unicode twin.
    for (let b = 0x80; b < 0x100; b++) t[b] = b >= 0xa1 && b <= 0xdf ? 0xff61 + (b - 0xa1) : 0xfffd;
  } else {
    const upper = UPPER_HALVES[name];
    if (upper === undefined) throw new UnknownCodepageError(name);
    for (let b = 0; b < 128; b++) t[0x80 + b] = upper.charCodeAt(b);
  }
  tableCache.set(name, t);
  return t;
}

/** ESC R n international character sets: replacements for 0x23 0x24 0x40 0x5B 0x5C 0x5D 0x5E 0x60 0x7B 0x7C 0x7D 0x7E. */
const NATIONAL_POSITIONS = [0x23, 0x24, 0x40, 0x5b, 0x5c, 0x5d, 0x5e, 0x60, 0x7b, 0x7c, 0x7d, 0x7e];
const NATIONAL_SETS: readonly string[] = [
  '#$@[\\]^`{|}~', // 0 USA
  '#$à°ç§^`éùè¨', // 1 France
  '#$§ÄÖÜ^`äöüß', // 2 Germany
  '£$@[\\]^`{|}~', // 3 UK
  '#$@ÆØÅ^`æøå~', // 4 Denmark I
  '#¤ÉÄÖÅÜéäöåü', // 5 Sweden
  '#$@°\\é^ùàòèì', // 6 Italy
  '₧$@¡Ñ¿^`¨ñ}~', // 7 Spain I
  '#$@[¥]^`{|}~', // 8 Japan
  '#¤ÉÆØÅÜéæøåü', // 9 Norway
  '#$ÉÆØÅÜéæøåü', // 10 Denmark II
  '#$á¡Ñ¿é`íñóú', // 11 Spain II
  '#$á¡Ñ¿éüíñóú', // 12 Latin America
  '#$@[₩]^`{|}~', // 13 Korea
];

/** True when ESC R n names a set we model (others are kept as USA, with a warning). */
export function hasNationalSet(n: number): boolean {
  return n >= 0 && n < NATIONAL_SETS.length;
}

/** The working table: the code page with the ESC R national set applied (new array only when the set is not USA). */
export function composeTable(base: Uint16Array, national: number): Uint16Array {
  if (national <= 0 || national >= NATIONAL_SETS.length) return base;
  const t = base.slice();
  const set = NATIONAL_SETS[national] as string;
  for (let k = 0; k < NATIONAL_POSITIONS.length; k++) t[NATIONAL_POSITIONS[k] as number] = set.charCodeAt(k);
  return t;
}

/** A double-byte encoding: which bytes lead a pair, and the decoded text of each pair (built once, lazily). */
export interface DoubleByteTable {
  isLead: Uint8Array;
  /** Index (lead << 8 | trail) → decoded string ('' = not yet built; '\uFFFD' = invalid pair). */
  pair(lead: number, trail: number): string;
  /** Single bytes ≥ 0x80 that are characters by themselves (Shift_JIS half-width katakana). */
  single: Uint16Array;
}

const dbcsCache = new Map<DoubleByteName, DoubleByteTable>();

const WHATWG_LABEL: Record<DoubleByteName, string> = { GBK: 'gbk', BIG5: 'big5', SHIFT_JIS: 'shift_jis', 'EUC-KR': 'euc-kr' };

export function doubleByteTable(name: DoubleByteName): DoubleByteTable {
  const cached = dbcsCache.get(name);
  if (cached) return cached;
  const isLead = new Uint8Array(256);
  const single = new Uint16Array(256);
  if (name === 'SHIFT_JIS') {
    for (let b = 0x81; b <= 0x9f; b++) isLead[b] = 1;
    for (let b = 0xe0; b <= 0xfc; b++) isLead[b] = 1;
    for (let b = 0xa1; b <= 0xdf; b++) single[b] = 0xff61 + (b - 0xa1);
  } else {
    for (let b = 0x81; b <= 0xfe; b++) isLead[b] = 1;
  }
  const decoder = new TextDecoder(WHATWG_LABEL[name]);
  const pairs = new Map<number, string>();
  const buf = new Uint8Array(2);
  const table: DoubleByteTable = {
    isLead,
    single,
    pair(lead: number, trail: number): string {
      const key = (lead << 8) | trail;
      let s = pairs.get(key);
      if (s === undefined) {
        buf[0] = lead;
        buf[1] = trail;
        s = decoder.decode(buf);
        // A pair that does not decode to one character (invalid trail) prints as one replacement glyph.
        if (s.length === 0 || s.includes('\ufffd') || (s.length === 2 && !isSurrogatePair(s)) || s.length > 2) s = '\ufffd';
        if (s.charCodeAt(0) < 0x20) s = '\ufffd';
        pairs.set(key, s);
      }
      return s;
    },
  };
  dbcsCache.set(name, table);
  return table;
}

function isSurrogatePair(s: string): boolean {
  const hi = s.charCodeAt(0);
  return hi >= 0xd800 && hi <= 0xdbff;
}
