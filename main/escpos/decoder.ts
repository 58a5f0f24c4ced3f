// The ESC/POS stream decoder: a table-driven byte state machine that turns print-job bytes into receipts.
//
// Rules worth knowing before changing anything here (they are what the tests pin down):
// - Every known command's parameter bytes are consumed by the command's own rule: a fixed header
//   (tables below), then, for variable commands, data whose length comes from the header.
// - Unknown command rule: ESC x / GS x / FS x with x not in the table skips exactly the prefix and x,
//   counts it (`unknownCommands`) and adds an `unknown_command` warning; nothing is printed.
// - Declared lengths are not trusted blindly: while skipping graphics data (GS ( L / GS 8 L store) the
//   decoder watches for the "print graphics" command (GS ( L 02 00 30 32|02); if it appears inside the
//   declared span, the block was truncated: warn `truncated_block` and resynchronise there.
// - Receipt boundaries: GS V (all forms), ESC i, ESC m end a receipt with printed content; ESC @
//   after printed content ends it with 'new_job'. ESC @ clears the unprinted line (as the printer
//   does), which is how junk before the first ESC @ is dropped. Cuts with nothing printed since the
//   last boundary yield nothing.
// - Raw spans: each receipt's `raw` is the exact byte span it came from; spans are contiguous. Bytes
//   after the last receipt that print nothing (a trailing cut, drawer kick, init) belong to no receipt
//   and are counted in `stats.unclaimedBytes`.
// - Line ends: CR LF and LF CR are each one line end (printers that ignore CR after LF print no blank line).
// - A parameter byte that is ESC/GS/FS/DLE and, with the byte after it, starts a known command is read as
//   that command: the command it interrupted was cut short (`truncated_block`); a cut still cuts.
// - Optional parameters (ESC_OPTIONAL): ESC 4 / ESC 5 take a parameter only when the next byte is 0, 1, 48 or 49.
// - Vendor framings (FRAMINGS): fixed byte sequences a driver wraps jobs in are matched whole, print
//   nothing and may end the receipt. To add one: append { name, bytes, end } to FRAMINGS and mark its
//   first command byte FRAMING in ESC_LEN/GS_LEN/FS_LEN; one framing per command byte pair.
// - Foreign jobs (FOREIGN_JOBS): a receipt whose first bytes are a label or page language's signature
//   (TSPL, ZPL, EPL, PCL, PostScript, PDF) is read no further: every byte up to the idle gap or the end
//   of the data is that job's, and the receipt carries `notReceipt` and no lines. To add a language:
//   append its signatures to FOREIGN_JOBS. A receipt's first bytes are read for a signature once, when a
//   read starts or a cut ends a receipt, never in the byte loop.
// - The code-page check (encoding-check.ts) costs nothing extra on text that reads right: the text loop's
//   table gives each byte's character and whether it is odd (box drawing, U+FFFD, unlikely symbols); only a
//   line with an odd character is counted for garbage when it is printed, and only a receipt whose count
//   says garbage (or whose double-byte text is shaped like UTF-8) is read again in other code pages.
// - Pictures: raster data (GS v 0, ESC *, GS ( L / GS 8 L fn 112/113) is skipped and counted; when its block
//   ends (or is cut short) it is a band of `pictures` (consecutive bands of one command join, printImage), whose
//   dots are made from the receipt's raw span the first time a picture's `data` is read (raster.ts,
//   RasterPicture), so decoding costs what skipping the image bytes costs. NV/downloaded images print as 'logo'
//   placeholders. main/escpos/README.md has the table.
// - Graphics data is watched for the print command (above) by Buffer's substring search over long data, byte by
//   byte over short data and across reads.
// - Text: a printed line's characters stay in `line` after the lines before it; the lines get their strings all at
//   once (one string, a slice each) when the receipt ends or `line` is full (printText): one string per receipt.
// - Hot loop: run() keeps the common states; the rare ones are in runRare(), so run() compiles tight.
// - Bounds: a line is broken at 4096 characters, a receipt keeps at most 100 warnings, 4096 pictures and
//   16 MiB of picture dots, a 2D-code or barcode payload at most 64 KiB; nothing else is allocated per byte.
import {
  canonicalCodepage,
  composeTable,
  UnknownCodepageError,
  doubleByteTable,
  ESC_T_TABLES,
  hasNationalSet,
  isDoubleByte,
  singleByteTable,
  STAR_TABLES,
  type DoubleByteName,
  type DoubleByteTable,
} from './codepages.js';
import { countGarble, countTextGarble, garbleCount, looksGarbled, oddCharTable, textTable, suspectEncoding } from './encoding-check.js';
import { bitmapBytes, RasterPicture, rowBytes, type RasterBand, type RasterBlock } from './raster.js';
import type { Barcode, Code2D, DecodedLine, DecodedReceipt, DecoderOptions, DecoderWarning, LineStyle, Picture, ReceiptEnd, StatusQuery } from './types.js';

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;

// Parser states.
const S_TEXT = 0;
const S_ESC = 1;
const S_GS = 2;
const S_FS = 3;
const S_DLE = 4;
const S_PARAMS = 5;
const S_SKIP = 6;
const S_CAPTURE = 7;
const S_NULTERM = 8;
const S_TABS = 9;
const S_DBCS_TRAIL = 10;
const S_UTF8 = 11;
const S_PARAM_PREFIX = 12;
const S_OPT_PARAM = 13;
const S_FRAMING = 14;
const S_FOREIGN = 15;

// Command prefixes (high byte of a command key).
const P_ESC = 1;
const P_GS = 2;
const P_FS = 3;
const P_DLE = 4;

// What to do when a data block (skip/capture) completes.
const D_NONE = 0;
const D_GRAPHICS_STORE = 1;
const D_2D_STORE = 2;
const D_BARCODE = 4;
const D_GS_V0 = 5;
const D_FSQ_NEXT = 6;
const D_ESCAMP_NEXT = 7;
const D_ESC_STAR = 8;

const MAX_LINE = 4096;
/** Characters of printed lines kept before they are made into text (with room for a whole line after them). */
const TEXT_STORE = 8192;
const MAX_CAPTURE = 65_536;
const MAX_WARNINGS = 100;
const DEFAULT_IDLE_MS = 2000;
/** Picture bytes (1 bit a dot, after scaling) a receipt keeps: 16 MiB is an 80 mm receipt 29 m long. */
const MAX_PICTURE_BYTES = 16 << 20;
/** Pictures a receipt keeps (a job of nothing but 4-byte logo commands must not grow without end). */
const MAX_PICTURES = 4096;

/** Header length marking the first command of a vendor framing (FRAMINGS). */
const FRAMING = -2;

/** Fixed header lengths after ESC x / GS x / FS x; -1 = unknown command, FRAMING = a vendor framing starts. */
function lengths(entries: Record<string, number>): Int8Array {
  const t = new Int8Array(256).fill(-1);
  // Keys are the command character ('!') or, for non-printable command bytes, its decimal code ('12').
  for (const [k, v] of Object.entries(entries)) t[k.length === 1 ? k.charCodeAt(0) : Number(k)] = v;
  return t;
}

// ESC/POS Command Reference (Epson), TM series; Star ESC GS a/t where cheap.
const ESC_LEN = lengths({
  '12': 0, // ESC FF print page (page mode)
  ' ': 1, '!': 1, '$': 2, '%': 1, '&': 3, '(': 3, '*': 3, '-': 1, '2': 0, '3': 1, '<': 0, '=': 1, '?': 1,
  '@': 0, D: 0, E: 1, G: 1, J: 1, K: 1, L: 0, M: 1, R: 1, S: 0, T: 1, U: 1, V: 1, W: 8, '\\': 2,
  '4': 1, // ESC 4 [n]: italic on (Citizen/Bixolon/Star dialects; n is optional, see ESC_OPTIONAL)
  '5': 1, // ESC 5 [n]: italic off
  a: 1, c: 2, d: 1, e: 1, f: 2, i: 0, m: 0, p: 3, r: 1, t: 1, u: 1, v: 0, '{': 1,
  '29': 2, // Star ESC GS x n
});
const GS_LEN = lengths({
  '!': 1, $: 2, '(': 3, '*': 2, '/': 1, '8': 5, ':': 0, B: 1, C: 1, E: 1, H: 1, I: 1, L: 2, P: 2, T: 1, V: 1,
  W: 2, '\\': 2, '^': 3, a: 1, b: 1, c: 0, f: 1, g: 4, h: 1, j: 1, k: 1, r: 1, v: 6, w: 1, z: 3,
  U: FRAMING, S: FRAMING, // Xprinter Windows driver (FRAMINGS)
});

/** ESC commands whose one parameter is optional: present only when the next byte is one of OPTIONAL_VALUES. */
const ESC_OPTIONAL = new Uint8Array(256);
for (const c of '45') ESC_OPTIONAL[c.charCodeAt(0)] = 1;
const OPTIONAL_VALUES = new Uint8Array(256);
for (const v of [0, 1, 48, 49]) OPTIONAL_VALUES[v] = 1;

/**
 * Byte sequences printer drivers wrap jobs in, matched whole; they print nothing. `end`: the receipt
 * ends there as with that cut. (A sequence that starts the same but differs is an unknown command.)
 */
const FRAMINGS: readonly { name: string; bytes: readonly number[]; end: ReceiptEnd | null }[] = [
  { name: 'Xprinter Windows driver job start', bytes: [0x1d, 0x55, 0x42, 0x02, 0x18], end: null },
  { name: 'Xprinter Windows driver cut', bytes: [0x1d, 0x53, 0x1b, 0x72, 0x1d, 0x54], end: 'cut' },
];

/**
 * Signatures of jobs that are not ESC/POS, matched on a receipt's first bytes after leading
 * whitespace, NUL and Ctrl-D. Each names the language and what the job is (label, page, document).
 */
const FOREIGN_JOBS: readonly { language: string; what: string; starts: readonly string[] }[] = [
  { language: 'TSPL', what: 'label', starts: ['SIZE ', 'GAP ', 'BLINE ', 'CLS\r', 'CLS\n', 'DIRECTION ', 'REFERENCE ', 'SPEED ', 'DENSITY ', 'CODEPAGE '] },
  { language: 'ZPL', what: 'label', starts: ['^XA', '~SD', '~JA', '^XZ'] },
  { language: 'EPL', what: 'label', starts: ['\n', '\r\n'].flatMap((eol) => [...'qQSDZIRORAB'].map((c) => `N${eol}${c}`)) },
  { language: 'PCL', what: 'page', starts: ['\x1b%-12345X', '\x1bE\x1b'] },
  { language: 'PostScript', what: 'page', starts: ['%!'] },
  { language: 'PDF', what: 'document', starts: ['%PDF-'] },
];
/** The signatures as bytes, by their first byte. */
const SIGNATURES_BY_FIRST: { bytes: Uint8Array; job: (typeof FOREIGN_JOBS)[number] }[][] = Array.from({ length: 256 }, () => []);
for (const job of FOREIGN_JOBS) {
  for (const start of job.starts) SIGNATURES_BY_FIRST[start.charCodeAt(0)]?.push({ bytes: Uint8Array.from(start, (ch) => ch.charCodeAt(0)), job });
}
const LONGEST_SIGNATURE = Math.max(...FOREIGN_JOBS.flatMap((j) => j.starts.map((s) => s.length)));
/** Bytes a job may start with before its signature. */
const SNIFF_LEADING = new Uint8Array(256);
for (const b of [0x00, 0x04, 0x09, 0x0a, 0x0d, 0x20]) SNIFF_LEADING[b] = 1;
const FS_LEN = lengths({
  '!': 1, '&': 0, '(': 3, '-': 1, '.': 0, '2': 2, '?': 2, C: 1, S: 2, W: 1, p: 2, q: 1, g: 8,
});

/** GS ( k cn = 48 + index (ESC/POS "2D code" functions). */
const CODES_2D: readonly Code2D['type'][] = ['PDF417', 'QR', 'MaxiCode', 'GS1 DataBar', 'Composite', 'Aztec', 'DataMatrix'];

const BARCODE_NAMES: Record<number, string> = {
  0: 'UPC-A', 1: 'UPC-E', 2: 'EAN13', 3: 'EAN8', 4: 'CODE39', 5: 'ITF', 6: 'CODABAR',
  65: 'UPC-A', 66: 'UPC-E', 67: 'EAN13', 68: 'EAN8', 69: 'CODE39', 70: 'ITF', 71: 'CODABAR', 72: 'CODE93',
  73: 'CODE128', 74: 'GS1-128', 75: 'GS1 DataBar Omnidirectional', 76: 'GS1 DataBar Truncated',
  77: 'GS1 DataBar Limited', 78: 'GS1 DataBar Expanded', 79: 'CODE128 auto',
};

// Interned line styles: bits bold=1 underline=2 dw=4 dh=8 reverse=16, align in bits 5-6.
const ALIGNS = ['left', 'center', 'right'] as const;
const STYLES: LineStyle[] = [];
for (let key = 0; key < 96; key++) {
  STYLES.push(
    Object.freeze({
      bold: (key & 1) !== 0,
      underline: (key & 2) !== 0,
      doubleWidth: (key & 4) !== 0,
      doubleHeight: (key & 8) !== 0,
      reverse: (key & 16) !== 0,
      align: ALIGNS[(key >> 5) % 3] as LineStyle['align'],
    }),
  );
}

/** What `textLines` holds where no line waits for its text (so a receipt's lines are not kept alive by the stream). */
const NO_LINE: DecodedLine = { text: '', style: STYLES[0] as LineStyle };

const latin1 = new TextDecoder('latin1');
const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** Text of a 2D-code payload: UTF-8 when it is valid UTF-8, else Latin-1; control codes other than TAB/LF/CR removed. */
function payloadText(bytes: Uint8Array): string {
  let s: string;
  try {
    s = utf8Fatal.decode(bytes);
  } catch {
    s = latin1.decode(bytes);
  }
  let clean = '';
  let dirty = false;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f) dirty = true;
  }
  if (!dirty) return s;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f) continue;
    clean += s[k];
  }
  return clean;
}

/** Human-readable value of GS k data: CODE128 code sets ({A {B {C) expanded, control codes dropped. */
function barcodeValue(m: number, bytes: Uint8Array): string {
  let out = '';
  if (m === 73 || m === 74) {
    let set = 66; // B
    for (let k = 0; k < bytes.length; k++) {
      const b = bytes[k] as number;
      if (b === 0x7b && k + 1 < bytes.length) {
        const sel = bytes[k + 1] as number;
        k++;
        if (sel === 0x41 || sel === 0x42 || sel === 0x43) set = sel;
        else if (sel === 0x7b) out += '{';
        continue;
      }
      if (set === 0x43) out += b < 10 ? '0' + b : b < 100 ? String(b) : '';
      else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    }
    return out;
  }
  for (let k = 0; k < bytes.length; k++) {
    const b = bytes[k] as number;
    if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
  }
  return out;
}

/** Counters over the whole stream (for diagnostics and the CLI's --json). */
export interface DecoderStats {
  bytes: number;
  receipts: number;
  unknownCommands: number;
  /** Bytes after the last receipt that printed nothing (a trailing cut, init or status query): in no receipt's raw. */
  unclaimedBytes: number;
}

/**
 * Streaming decoder. Feed chunks split anywhere; the result equals decoding the concatenation.
 * Time is injected (`nowMs`) so the idle rule is deterministic.
 */
export class EscposStream {
  readonly stats: DecoderStats = { bytes: 0, receipts: 0, unknownCommands: 0, unclaimedBytes: 0 };

  private readonly idleMs: number;
  private readonly defaultPage: string;
  private readonly defaultDbcs: DoubleByteName;
  private readonly defaultKanji: boolean;

  // parser
  private state = S_TEXT;
  private prefix = 0;
  private cmd = 0;
  private stage = 0;
  private readonly params = new Uint8Array(16);
  private pCount = 0;
  private need = 0;
  private cmdStart = 0;
  private dataLeft = 0;
  private dataKind = D_NONE;
  private watch = false;
  private watchPos = 0;
  /** The current read as a Buffer, and its print-command search: from `markerFrom` on, the first one is at `markerAt` (-1: none). */
  private markerView: Buffer | null = null;
  private markerFrom = -1;
  private markerAt = -1;
  private loopLeft = 0;
  private loopAux = 0;
  private capture = new Uint8Array(256);
  private capLen = 0;
  private barcodeM = 0;
  private codeCn = 0;
  private strictBarcode = false;
  private completedAt = 0;
  private tabPrev = 0;
  private tabCount = 0;
  private dbcsLead = 0;
  /** The line-end byte that, read next, pairs with the one just read (CR after LF, LF after CR) and is skipped. */
  private eolSkip = 0;
  /** Item 2: a parameter byte that may start a command (ESC/GS/FS/DLE), its absolute offset. */
  private suspect = 0;
  private suspectAt = 0;
  private framing = 0;
  private framingPos = 0;
  /** Foreign-job sniffing: on from a receipt's first byte until its signature matches or cannot; each byte is looked at once. */
  private sniffOn = true;
  /** Absolute offset of the next byte to sniff. */
  private sniffAt = 0;
  /** The receipt's first significant bytes so far (a signature's prefix). */
  private readonly sniffed = new Uint8Array(LONGEST_SIGNATURE);
  private sniffLen = 0;
  private foreign: { language: string; reason: string } | null = null;
  private readonly checkEncoding: boolean;
  // The code-page check (encoding-check.ts) counts as text is produced, so a receipt that reads right costs no
  // second look: whether the current line has odd characters (by byte with `textTable`, set with `table`), a garbage
  // count over the receipt's lines that had odd ones,
  private lineOdd = 0;
  private textTable: Uint32Array = new Uint32Array(0);
  /** `textTable` maps 0x20-0x7E to themselves (no national set in force). */
  private asciiSame = false;
  private readonly garble = garbleCount();
  // and whether Kanji-mode bytes form UTF-8: sequences still open, well-formed and broken ones.
  private u8Need = 0;
  private u8Seqs = 0;
  private u8Bad = 0;
  private readonly options: DecoderOptions;

  // printer state
  private pageName = 'CP437';
  private national = 0;
  private baseTable: Uint16Array;
  private table: Uint16Array;
  private kanji = false;
  /** UTF-8 text (FS ( C fn 48 m 2, or a device whose default page is UTF-8). */
  private utf8 = false;
  private readonly defaultUtf8: boolean;
  private utfNeed = 0;
  private utfCp = 0;
  private utfMin = 0;
  private dbcs: DoubleByteTable | null = null;
  private dbcsName: DoubleByteName;
  private emph = false;
  private dstrike = false;
  private underline = false;
  private dw = false;
  private dh = false;
  private reverse = false;
  private align = 0;
  private fontB = false;
  /** Tab stops; DEFAULT_TABS (shared, never changed: ESC D makes a new list) until ESC D sets others. */
  private tabs: number[] = DEFAULT_TABS;
  private pageMode = false;
  private pageLines: DecodedLine[] = [];
  /** Stored 2D-code payloads by cn - 48 (GS ( k cn 80), printed by GS ( k cn 81. */
  private stored2d: (string | null)[] = [null, null, null, null, null, null, null];
  private stripe = false;
  /** An ESC * stripe sits in the line buffer: the line end that prints it is no blank line. */
  private stripeFeed = false;
  /** Graphics stored in the print buffer (GS ( L / GS 8 L fn 112, 113), printed by fn 50; the command that stored them. */
  private gfx: RasterBand | null = null;
  private gfxSource = '';
  private gfxAt = 0;

  // raster data being read (GS v 0, ESC *, graphics store): up to rKeep bytes count, from absolute offset rDataAt; their
  // dots are made from the receipt's raw span when a picture's data is first read (raster.ts RasterPicture), never copied here
  private rOn = false;
  private rDataAt = 0;
  private rLen = 0;
  private rKeep = 0;
  private rDeclared = 0;
  private rAt = 0;
  /** Header of the raster command being read: width (GS v 0: bytes; ESC *, graphics: dots or columns), height, mode/scale, source. */
  private rX = 0;
  private rY = 0;
  private rMode = 0;
  private rScaleX = 1;
  private rScaleY = 1;
  private rSource = '';
  /** Graphics store: the colour plane (bit of c) being read, and the planes the stored graphics hold. */
  private rPlane = 0;
  private gfxPlanes = 0;

  // current line: its characters are line[lineAt, lineAt + lineLen). Printed lines stay in `line` before it (their
  // DecodedLine waiting in `textLines`, ending at `textEnds`) until `printText` makes one string of them all and
  // gives each line its slice: one string per receipt instead of one per line.
  private line = new Uint16Array(TEXT_STORE);
  private lineAt = 0;
  private lineLen = 0;
  /** Node's Buffer view of `line` for fast UTF-16 → string; null outside Node. */
  private lineBytes: Buffer | null = typeof Buffer === 'function' ? Buffer.from(this.line.buffer) : null;
  private lineStyle = -1;
  private textLines: DecodedLine[] = [];
  private textEnds: number[] = [];
  private textCount = 0;

  // current receipt
  private lines: DecodedLine[] = [];
  private qr: string[] = [];
  private pdf417: string[] = [];
  private barcodes: Barcode[] = [];
  private codes: Code2D[] = [];
  private pictures: Picture[] = [];
  /** The last picture while bands may still join it. */
  private openPic: RasterPicture | null = null;
  private pictureBytes = 0;
  private picturesFull = false;
  private warnings: DecoderWarning[] = [];
  private warnAbs: number[] = [];
  private suppressed = 0;
  private committed = false;
  private rStart = 0;
  private startPage = 'CP437';

  // raw bookkeeping
  private pos = 0; // absolute offset of the next byte
  /** Bytes of the open receipt from earlier pushes: absolute offsets [rStart, rStart + pendingLen). */
  private pending = new Uint8Array(4096);
  private pendingLen = 0;
  private cur: Uint8Array = EMPTY;
  private curBase = 0;
  private lastMs: number | undefined;
  private out: DecodedReceipt[] = [];
  private queries: StatusQuery[] = [];

  constructor(options: DecoderOptions = {}) {
    this.options = options;
    this.checkEncoding = options.checkEncoding !== false;
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    const page = canonicalCodepage(options.codepage ?? 'CP437');
    this.defaultDbcs = options.doubleByte ? (canonicalCodepage(options.doubleByte) as DoubleByteName) : isDoubleByte(page) ? page : 'GBK';
    if (!isDoubleByte(this.defaultDbcs)) throw new UnknownCodepageError(`${options.doubleByte} (as a double-byte code page: GBK, BIG5, SHIFT_JIS or EUC-KR)`);
    this.dbcsName = this.defaultDbcs;
    // A printer whose default page is double-byte (Chinese/Japanese/Korean models) starts in Kanji mode.
    this.defaultKanji = isDoubleByte(page);
    this.defaultUtf8 = page === 'UTF-8';
    this.defaultPage = this.defaultKanji || this.defaultUtf8 ? 'CP437' : page;
    this.baseTable = singleByteTable(this.defaultPage);
    this.table = this.baseTable;
    this.pageName = this.defaultPage;
    this.resetPrinter();
    this.startPage = this.currentPageName();
  }

  /** Feed a chunk received at `nowMs`. Returns receipts completed by it and status queries it contained. */
  push(chunk: Uint8Array, nowMs: number): { receipts: DecodedReceipt[]; queries: StatusQuery[] } {
    this.out = [];
    this.queries = [];
    if (this.lastMs !== undefined && nowMs - this.lastMs >= this.idleMs) this.idle();
    this.lastMs = nowMs;
    this.cur = chunk;
    this.curBase = this.pos;
    this.markerView = null;
    this.markerFrom = -1;
    if (this.sniffOn) {
      // A receipt starts here (or its first bytes went on past the last read): look for a foreign job.
      if (this.sniffAt === this.curBase) this.sniff(chunk, 0);
      else this.sniffOn = false;
    }
    this.run(chunk);
    this.pos = this.curBase + chunk.length;
    this.stats.bytes += chunk.length;
    // Keep the bytes the open receipt needs for its raw span (pending always starts at rStart).
    const from = Math.max(0, this.rStart - this.curBase);
    if (from < chunk.length) this.retain(from === 0 ? chunk : chunk.subarray(from));
    this.cur = EMPTY;
    this.curBase = this.pos;
    this.markerView = null;
    return { receipts: this.out, queries: this.queries };
  }

  /** Ends a receipt that has printed content but saw no byte for `idleMs`. */
  tick(nowMs: number): DecodedReceipt[] {
    this.out = [];
    if (this.lastMs !== undefined && nowMs - this.lastMs >= this.idleMs) this.idle();
    return this.out;
  }

  /** End of data: ends the open receipt ('end_of_data'). More bytes may follow (offsets keep counting; printer state is kept). */
  end(): DecodedReceipt[] {
    this.out = [];
    if (this.state !== S_TEXT && this.state !== S_DBCS_TRAIL && this.state !== S_UTF8 && this.state !== S_FOREIGN && this.state !== S_OPT_PARAM) {
      this.warn('truncated_block', this.cmdStart, `command at offset ${this.cmdStart} is cut short by the end of the data`);
      if (this.rOn) this.rasterCutShort();
    }
    this.state = S_TEXT;
    this.eolSkip = 0;
    this.endReceipt(this.pos, 'end_of_data', false);
    if (!this.committed) this.stats.unclaimedBytes += this.pos - this.rStart;
    const out = this.out;
    this.keepStoredGraphics();
    this.dropPending();
    this.rStart = this.pos;
    this.clearReceipt();
    this.sniffFrom(this.pos);
    this.out = [];
    return out;
  }

  /** The idle gap passed: a receipt with printed content ends here; a command left unfinished is abandoned with it. */
  private idle(): void {
    if (!this.committed && !this.lineHasInk()) return;
    if (this.state !== S_TEXT && this.state !== S_FOREIGN && this.state !== S_OPT_PARAM) {
      this.warn('truncated_block', this.cmdStart, `command at offset ${this.cmdStart} was left unfinished when the printer went idle`);
      if (this.rOn) this.rasterCutShort();
      this.state = S_TEXT;
      this.dataKind = D_NONE;
      this.strictBarcode = false;
    }
    this.eolSkip = 0;
    if (this.state !== S_TEXT) this.state = S_TEXT;
    this.endReceipt(this.pos, 'idle', false);
  }

  // ---- the state machine -------------------------------------------------------------------

  private run(buf: Uint8Array): void {
    const n = buf.length;
    let i = 0;
    while (i < n) {
      const state = this.state;
      if (state === S_TEXT) {
        // Hot path: printable single-byte text.
        const len = this.lineLen;
        const b = buf[i] as number;
        if (this.eolSkip !== 0) {
          const skip = this.eolSkip;
          this.eolSkip = 0;
          if (b === skip) {
            i++;
            continue;
          }
        }
        if (!this.kanji && !this.utf8) {
          if (b >= 0x20) {
            if (len >= MAX_LINE) {
              this.flushLine();
              continue;
            }
            if (len === 0 && this.lineStyle < 0) this.lineStyle = this.styleKey();
            i = this.textRun(buf, i, Math.min(n, i + (MAX_LINE - len)));
            this.stripe = false;
            continue;
          }
        } else if (b >= 0x20) {
          if (this.utf8) this.utf8Byte(b);
          else this.kanjiByte(b);
          i++;
          continue;
        }
        i++;
        this.control(b, i);
        continue;
      }
      const b = buf[i] as number;
      switch (state) {
        case S_ESC:
          this.completedAt = ++i;
          this.begin(P_ESC, b, ESC_LEN[b] as number);
          break;
        case S_GS:
          this.completedAt = ++i;
          this.begin(P_GS, b, GS_LEN[b] as number);
          break;
        case S_FS:
          this.completedAt = ++i;
          this.begin(P_FS, b, FS_LEN[b] as number);
          break;
        case S_PARAMS:
          if (b === ESC || b === GS || b === FS || b === DLE) {
            // Maybe a command, if the next byte makes one (S_PARAM_PREFIX decides).
            this.suspect = b;
            this.suspectAt = this.curBase + i;
            this.state = S_PARAM_PREFIX;
            i++;
            break;
          }
          this.params[this.pCount++] = b;
          i++;
          if (this.pCount === this.need) {
            this.state = S_TEXT;
            this.completedAt = i;
            this.complete();
          }
          break;
        case S_SKIP: {
          const from = i;
          if (!this.watch) {
            const take = Math.min(this.dataLeft, n - i);
            i += take;
            this.dataLeft -= take;
          } else {
            i = this.skipWatching(buf, i, n);
          }
          if (this.rOn) this.rasterBytes(buf, from, i);
          if (this.dataLeft === 0 && this.state === S_SKIP) {
            this.state = S_TEXT;
            this.dataDone();
          }
          break;
        }
        case S_CAPTURE: {
          if (this.strictBarcode) {
            // Barcode systems whose data is printable ASCII: a control byte means the declared length lied.
            if (b < 0x20) {
              this.state = S_TEXT;
              this.warn('truncated_block', this.cmdStart, `barcode at offset ${this.cmdStart} declares more data than it holds; resynchronised`);
              break;
            }
            this.captureBytes(buf, i, 1);
            i++;
            this.dataLeft--;
          } else {
            const take = Math.min(this.dataLeft, n - i);
            this.captureBytes(buf, i, take);
            i += take;
            this.dataLeft -= take;
          }
          if (this.dataLeft === 0) {
            this.state = S_TEXT;
            this.dataDone();
          }
          break;
        }
        default:
          i = this.runRare(state, buf, i, n);
      }
    }
  }

  /** The states `run` reaches seldom (kept out of it so that its hot loop compiles tight): returns the next index. */
  private runRare(state: number, buf: Uint8Array, i: number, n: number): number {
    const b = buf[i] as number;
    switch (state) {
      case S_DLE:
        if (b === 0x04 || b === 0x05 || b === 0x14) {
          this.completedAt = ++i;
          this.begin(P_DLE, b, 1);
        } else {
          this.state = S_TEXT; // DLE alone is not a command: the byte is read again as text
        }
        break;
      case S_PARAM_PREFIX:
        // `b` is read again in the state this leaves.
        if (startsCommand(this.suspect, b)) this.paramsCutShort();
        else {
          this.params[this.pCount++] = this.suspect;
          this.state = S_PARAMS;
          if (this.pCount === this.need) {
            this.state = S_TEXT;
            this.completedAt = i;
            this.complete();
          }
        }
        break;
      case S_OPT_PARAM:
        this.state = S_TEXT;
        if (OPTIONAL_VALUES[b] === 1) {
          this.params[this.pCount++] = b;
          i++;
        }
        this.completedAt = i;
        this.complete();
        break;
      case S_FRAMING: {
        const f = FRAMINGS[this.framing] as (typeof FRAMINGS)[number];
        if (b !== f.bytes[this.framingPos]) {
          // Not the framing after all: an unknown command, the byte is read again.
          this.state = S_TEXT;
          this.unknownCommand(this.framingPos);
          break;
        }
        i++;
        if (++this.framingPos === f.bytes.length) {
          this.state = S_TEXT;
          this.completedAt = i;
          if (f.end) this.cut(f.end);
        }
        break;
      }
      case S_FOREIGN:
        i = n;
        break;
      case S_NULTERM:
        if (b === 0) {
          i++;
          this.state = S_TEXT;
          this.dataDone();
        } else if (b < 0x20 || this.capLen >= 255) {
          // A barcode without its NUL: resynchronise on this byte.
          this.state = S_TEXT;
          this.warn('truncated_block', this.cmdStart, `barcode at offset ${this.cmdStart} has no terminating NUL; resynchronised`);
        } else {
          this.captureBytes(buf, i, 1);
          i++;
        }
        break;
      case S_TABS:
        if (b === 0 || this.tabCount >= 32 || b <= this.tabPrev) {
          this.state = S_TEXT;
          if (b === 0) i++; // a value not above the previous one ends the list and is read again as data
          if (this.tabCount === 0 && b === 0) this.tabs = [];
        } else {
          if (this.tabCount === 0) this.tabs = [];
          this.tabs.push(b);
          this.tabCount++;
          this.tabPrev = b;
          i++;
        }
        break;
      case S_UTF8:
        if ((b & 0xc0) === 0x80) {
          this.utfCp = (this.utfCp << 6) | (b & 0x3f);
          i++;
          if (--this.utfNeed === 0) {
            this.state = S_TEXT;
            const cp = this.utfCp;
            if (cp < this.utfMin || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.appendChar(0xfffd);
            else if (cp >= 0x10000) {
              this.appendChar(0xd800 + ((cp - 0x10000) >> 10));
              this.appendChar(0xdc00 + ((cp - 0x10000) & 0x3ff));
            } else if (cp >= 0xa0 && cp !== 0xfeff && !(cp >= 0x2028 && cp <= 0x202e) && !(cp >= 0x200b && cp <= 0x200f)) this.appendChar(cp);
          }
        } else {
          this.state = S_TEXT; // a sequence cut short prints one replacement glyph; the byte is read again
          this.appendChar(0xfffd);
        }
        break;
      case S_DBCS_TRAIL:
        this.state = S_TEXT;
        if (b >= 0x40 && b !== 0x7f && this.dbcs) {
          this.utf8Tell(b);
          const s = this.dbcs.pair(this.dbcsLead, b);
          for (let k = 0; k < s.length; k++) this.appendChar(s.charCodeAt(k));
          i++;
        } else {
          this.appendChar(0xfffd); // a lead byte without its trail byte; the byte is read again
        }
        break;
      default:
        this.state = S_TEXT;
    }
    return i;
  }

  /** Printable single-byte text from `i` up to a control byte or `stop`; returns the index after it. */
  private textRun(buf: Uint8Array, i: number, stop: number): number {
    const table = this.textTable;
    const line = this.line;
    const at = this.lineAt;
    let len = at + this.lineLen;
    let seen = 0;
    if (this.asciiSame) {
      // Printable ASCII is itself in this table, and never odd: no lookup for it.
      while (i < stop) {
        const b = buf[i] as number;
        // One unsigned comparison for 0x20 <= b < 0x7F.
        if ((b - 0x20) >>> 0 < 0x5f) line[len++] = b;
        else if (b < 0x20) break;
        else {
          const c = table[b] as number;
          seen |= c;
          if (c !== 0) line[len++] = c;
        }
        i++;
      }
    } else {
      while (i < stop) {
        const b = buf[i] as number;
        if (b < 0x20) break;
        // The character in the low 16 bits (the store keeps those), whether it is odd above them.
        const c = table[b] as number;
        seen |= c;
        if (c !== 0) line[len++] = c;
        i++;
      }
    }
    this.lineLen = len - at;
    this.lineOdd |= seen >> 16;
    return i;
  }

  /** The text loop's table for the code page (and national set) in force. */
  private setTextTable(): void {
    this.textTable = textTable(this.table);
    // Code pages keep ASCII; a national set (ESC R) replaces some of it.
    this.asciiSame = this.table === this.baseTable;
  }

  private utf8Byte(b: number): void {
    if (b < 0x80) {
      if (b !== 0x7f) this.appendChar(this.table[b] as number);
    } else if (b >= 0xc2 && b <= 0xdf) this.utfStart(b & 0x1f, 1, 0x80);
    else if (b >= 0xe0 && b <= 0xef) this.utfStart(b & 0x0f, 2, 0x800);
    else if (b >= 0xf0 && b <= 0xf4) this.utfStart(b & 0x07, 3, 0x10000);
    else this.appendChar(0xfffd);
  }

  private utfStart(bits: number, need: number, min: number): void {
    this.utfCp = bits;
    this.utfNeed = need;
    this.utfMin = min;
    this.state = S_UTF8;
  }

  private kanjiByte(b: number): void {
    this.utf8Tell(b);
    const dbcs = this.dbcs as DoubleByteTable;
    if (b >= 0x80 && dbcs.isLead[b]) {
      this.dbcsLead = b;
      this.state = S_DBCS_TRAIL;
    } else if (b >= 0x80) {
      const s = dbcs.single[b] as number;
      this.appendChar(s !== 0 ? s : 0xfffd);
    } else if (b !== 0x7f) {
      this.appendChar(this.table[b] as number);
    }
  }

  /** Double-byte text's bytes, followed as UTF-8: UTF-8 read as GBK, Big5 ... is well-formed UTF-8, real double-byte text rarely is. */
  private utf8Tell(b: number): void {
    if (this.u8Need > 0) {
      if ((b & 0xc0) === 0x80) {
        if (--this.u8Need === 0) this.u8Seqs++;
        return;
      }
      this.u8Need = 0;
      this.u8Bad++;
    }
    if (b < 0x80) return;
    if (b >= 0xc2 && b <= 0xf4) this.u8Need = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
    else this.u8Bad++;
  }

  private appendChar(c: number): void {
    if (c === 0) return;
    if (this.lineLen >= MAX_LINE) this.flushLine();
    if (this.lineLen === 0 && this.lineStyle < 0) this.lineStyle = this.styleKey();
    this.line[this.lineAt + this.lineLen++] = c;
    this.lineOdd |= ODD_CHARS[c] as number;
    this.stripe = false;
  }

  /** A control byte (< 0x20) in text; `next` is the index after it. */
  private control(b: number, next: number): void {
    switch (b) {
      case 0x0a:
        this.flushLine();
        this.eolSkip = 0x0d;
        break;
      case 0x0d:
        this.flushLine();
        this.eolSkip = 0x0a;
        break;
      case 0x09:
        this.tab();
        break;
      case 0x0c:
        if (this.pageMode) {
          this.printPage();
          this.pageMode = false;
        } else this.flushLine();
        break;
      case 0x18:
        if (this.pageMode) {
          this.pageLines = [];
          this.clearLine();
        }
        break;
      case ESC:
        this.cmdStart = this.curBase + next - 1;
        this.state = S_ESC;
        break;
      case GS:
        this.cmdStart = this.curBase + next - 1;
        this.state = S_GS;
        break;
      case FS:
        this.cmdStart = this.curBase + next - 1;
        this.state = S_FS;
        break;
      case DLE:
        this.cmdStart = this.curBase + next - 1;
        this.state = S_DLE;
        break;
      default:
        // NUL padding and other control codes print nothing.
        break;
    }
  }

  private begin(prefix: number, cmd: number, len: number): void {
    this.prefix = prefix;
    this.cmd = cmd;
    this.stage = 0;
    this.pCount = 0;
    if (len === FRAMING) {
      const prefixByte = prefix === P_ESC ? ESC : prefix === P_GS ? GS : FS;
      this.framing = FRAMINGS.findIndex((f) => f.bytes[0] === prefixByte && f.bytes[1] === cmd);
      this.framingPos = 2;
      this.state = S_FRAMING;
      return;
    }
    if (len < 0) {
      this.state = S_TEXT;
      this.unknownCommand(2);
      return;
    }
    if (prefix === P_ESC && ESC_OPTIONAL[cmd] === 1) {
      this.state = S_OPT_PARAM;
      return;
    }
    if (prefix === P_ESC && cmd === 0x44) {
      // ESC D n1 ... nk NUL: tab positions.
      this.state = S_TABS;
      this.tabCount = 0;
      this.tabPrev = 0;
      return;
    }
    if (len === 0) {
      this.state = S_TEXT;
      this.complete();
      return;
    }
    this.need = len;
    this.state = S_PARAMS;
  }

  private unknownCommand(skipped: number): void {
    this.stats.unknownCommands++;
    const name = this.prefix === P_ESC ? 'ESC' : this.prefix === P_GS ? 'GS' : 'FS';
    this.warn('unknown_command', this.cmdStart, `unknown command ${name} 0x${hex(this.cmd)} at offset ${this.cmdStart}: skipped ${skipped} bytes`);
  }

  /**
   * A parameter byte and the one after it make a command: the command being read was cut short. It is
   * dropped, except a cut, which still cuts (its feed parameter is what went missing); the new command
   * starts at the parameter byte.
   */
  private paramsCutShort(): void {
    const at = this.suspectAt;
    this.warn('truncated_block', this.cmdStart, `command at offset ${this.cmdStart} is cut short by the command at offset ${at}; read that command instead`);
    if (this.prefix === P_GS && this.cmd === 0x56) {
      this.completedAt = at - this.curBase;
      const a = this.params[0] as number;
      this.cut(a === 65 || a === 97 || a === 103 ? 'cut' : 'partial_cut');
    }
    this.dataKind = D_NONE;
    this.cmdStart = at;
    const s = this.suspect;
    this.state = s === ESC ? S_ESC : s === GS ? S_GS : s === FS ? S_FS : S_DLE;
  }

  /**
   * Reads a receipt's first bytes from `buf[i]` on, up to a decision: a full signature match makes the rest of
   * the job foreign, a byte no signature has there ends the sniffing. A read that ends first leaves the prefix
   * in `sniffed` for the next; either way each byte is looked at once and the text path runs unhindered.
   */
  private sniff(buf: Uint8Array, i: number): void {
    const sniffed = this.sniffed;
    let len = this.sniffLen;
    for (let k = i; k < buf.length; k++) {
      const b = buf[k] as number;
      if (len === 0 && SNIFF_LEADING[b] === 1) continue;
      sniffed[len++] = b;
      let open = false;
      for (const sig of SIGNATURES_BY_FIRST[sniffed[0] as number] as (typeof SIGNATURES_BY_FIRST)[number]) {
        if (!startsWith(sig.bytes, sniffed, len)) continue;
        if (sig.bytes.length === len) {
          this.startForeign(sig.job);
          return;
        }
        open = true;
      }
      if (!open) {
        this.sniffOn = false;
        return;
      }
    }
    this.sniffLen = len;
    this.sniffAt = this.curBase + buf.length;
  }

  private startForeign(job: (typeof FOREIGN_JOBS)[number]): void {
    this.sniffOn = false;
    // What the ESC/POS reading made of the signature so far is dropped with the printer state it set.
    this.clearLine();
    this.dropText();
    this.lines = [];
    this.pictures = [];
    this.openPic = null;
    this.warnings = [];
    this.warnAbs = [];
    this.resetPrinter();
    this.foreign = { language: job.language, reason: `this is a ${job.language} ${job.what} job, not a receipt` };
    this.committed = true;
    this.state = S_FOREIGN;
  }

  /** Read `more` header bytes before completing again, at a later stage. */
  private more(more: number, stage: number): void {
    this.need = this.pCount + more;
    this.stage = stage;
    this.state = S_PARAMS;
  }

  private skip(count: number, kind: number, watch = false): void {
    this.dataKind = kind;
    if (count <= 0) {
      this.dataLeft = 0;
      this.dataDone();
      return;
    }
    this.dataLeft = count;
    this.watch = watch;
    this.watchPos = 0;
    this.state = S_SKIP;
  }

  private captureData(count: number, kind: number): void {
    this.capLen = 0;
    if (kind !== D_BARCODE) this.strictBarcode = false;
    this.dataKind = kind;
    if (count <= 0) {
      this.dataLeft = 0;
      this.dataDone();
      return;
    }
    this.dataLeft = count;
    this.state = S_CAPTURE;
  }

  private captureBytes(buf: Uint8Array, from: number, count: number): void {
    const room = MAX_CAPTURE - this.capLen;
    const take = Math.min(room, count);
    if (take <= 0) return;
    if (this.capLen + take > this.capture.length) {
      const bigger = new Uint8Array(Math.min(MAX_CAPTURE, Math.max(this.capture.length * 2, this.capLen + take)));
      bigger.set(this.capture.subarray(0, this.capLen));
      this.capture = bigger;
    }
    if (take <= 16) {
      // Barcode data comes a byte at a time (strict systems stop at a control byte): no view per byte.
      const capture = this.capture;
      for (let k = 0; k < take; k++) capture[this.capLen + k] = buf[from + k] as number;
    } else this.capture.set(buf.subarray(from, from + take), this.capLen);
    this.capLen += take;
  }

  /** Skip graphics data while watching for GS ( L 02 00 30 32|02 (print graphics), which means the declared length lied. */
  private skipWatching(buf: Uint8Array, i: number, n: number): number {
    const end = Math.min(n, i + this.dataLeft);
    let p = this.watchPos;
    let k = i;
    while (k < end) {
      if (p === 0) {
        if (end - k > MARKER_SEARCH_MIN && HAS_BUFFER) {
          // Long data: the next whole print command in it, found at once. Without one, only a command begun in the
          // last 6 bytes can go on past them: those are read byte by byte.
          const at = this.nextPrintCommand(buf, k, end);
          if (at >= 0) return this.printCommandInData(buf, i, at + 7);
          k = end - 6;
          continue;
        }
        const at = buf.indexOf(GS, k);
        if (at < 0 || at >= end) {
          k = end;
          break;
        }
        k = at + 1;
        p = 1;
        continue;
      }
      const b = buf[k++] as number;
      if (p < 6) {
        p = b === MARKER[p] ? p + 1 : b === GS ? 1 : 0;
      } else {
        if (b === 0x32 || b === 0x02) return this.printCommandInData(buf, i, k);
        p = b === GS ? 1 : 0;
      }
    }
    this.dataLeft -= k - i;
    this.watchPos = p;
    return k;
  }

  /** Graphics data read from `buf[i]` holds a print command that ends before `buf[k]`: the data ended before it. */
  private printCommandInData(buf: Uint8Array, i: number, k: number): number {
    this.dataLeft -= k - i;
    this.watchPos = 0;
    this.warn('truncated_block', this.cmdStart, `graphics block at offset ${this.cmdStart} declares more bytes than precede the next print command; resynchronised`);
    this.state = S_TEXT;
    if (this.rOn) {
      // The data is what came before the print command's 7 bytes.
      this.rasterBytes(buf, i, k);
      this.rLen = Math.max(0, Math.min(this.rLen, this.rDeclared - this.dataLeft - 7));
      this.graphicsStored();
    }
    this.dataKind = D_NONE;
    this.printGraphics();
    return k;
  }

  /**
   * Where the first whole GS ( L 02 00 30 32|02 in `buf[k, end)` starts, or -1. The search runs over the rest of the
   * read and is remembered, so graphics blocks one after another in a read cost one pass over it, not one each.
   */
  private nextPrintCommand(buf: Uint8Array, k: number, end: number): number {
    if (this.markerView === null) this.markerView = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    for (;;) {
      let at = this.markerAt;
      if (this.markerFrom < 0 || k < this.markerFrom || (at >= 0 && k > at)) {
        at = this.markerView.indexOf(PRINT_MARKER, k);
        this.markerFrom = k;
        this.markerAt = at;
      }
      if (at < 0 || at + 7 > end) return -1;
      const b = buf[at + 6] as number;
      if (b === 0x32 || b === 0x02) return at;
      k = at + 1;
    }
  }

  // ---- command semantics ---------------------------------------------------------------------

  /** A command's header is complete (`completedAt` is the index after its last byte in the current chunk). */
  private complete(): void {
    const p = this.params;
    const cmd = this.cmd;
    switch (this.prefix) {
      case P_ESC:
        this.escCommand(cmd, p);
        break;
      case P_GS:
        this.gsCommand(cmd, p);
        break;
      case P_FS:
        this.fsCommand(cmd, p);
        break;
      case P_DLE:
        this.dleCommand(cmd, p);
        break;
    }
  }

  private escCommand(cmd: number, p: Uint8Array): void {
    const a = p[0] as number;
    switch (cmd) {
      case 0x0c: // ESC FF: print the page, stay in page mode
        if (this.pageMode) this.printPage();
        break;
      case 0x21: // ESC ! n
        this.fontB = (a & 1) !== 0;
        this.emph = (a & 8) !== 0;
        this.dh = (a & 16) !== 0;
        this.dw = (a & 32) !== 0;
        this.underline = (a & 128) !== 0;
        break;
      case 0x24: // ESC $ nL nH: absolute horizontal position
        this.moveTo(Math.round((a + (p[1] as number) * 256) / this.charDots()));
        break;
      case 0x5c: {
        // ESC \ nL nH: relative position (signed dots)
        let d = a + (p[1] as number) * 256;
        if (d >= 32768) d -= 65536;
        if (d > 0) this.moveTo(this.lineLen + Math.round(d / this.charDots()));
        break;
      }
      case 0x26: // ESC & y c1 c2 [x d1..d(y*x)]...: user-defined characters
        if (this.stage === 0) {
          const count = (p[2] as number) - (p[1] as number) + 1;
          if (a === 0 || count <= 0 || count > 95) {
            this.warn('invalid_parameter', this.cmdStart, `ESC & at offset ${this.cmdStart} has invalid parameters`);
            return;
          }
          this.loopLeft = count;
          this.loopAux = a;
          this.more(1, 1);
        } else {
          this.loopLeft--;
          const x = p[this.pCount - 1] as number;
          this.pCount = 3;
          this.skip(this.loopAux * x, D_ESCAMP_NEXT);
        }
        break;
      case 0x28: // ESC ( fn pL pH ...
        this.skip((p[1] as number) + (p[2] as number) * 256, D_NONE);
        break;
      case 0x2a: {
        // ESC * m nL nH d1..dk: bit image stripe
        // m 0: 8-dot single density (each dot 2 wide, 3 tall at 203 dpi), 1: 8-dot double, 32: 24-dot single (2 wide), 33: 24-dot double.
        const n = (p[1] as number) + (p[2] as number) * 256;
        if (a === 0 || a === 1 || a === 32 || a === 33) {
          const bytes = a >= 32 ? 3 : 1;
          this.rasterStart('ESC *', n, bytes, a, a === 0 || a === 32 ? 2 : 1, a < 32 ? 3 : 1, n * bytes);
          this.skip(n * bytes, D_ESC_STAR);
        } else this.warn('invalid_parameter', this.cmdStart, `ESC * at offset ${this.cmdStart} has an invalid mode ${a}`);
        break;
      }
      case 0x2d: // ESC - n
        this.underline = (a & 3) !== 0;
        break;
      case 0x40: // ESC @
        this.init();
        break;
      case 0x45: // ESC E n
        this.emph = (a & 1) !== 0;
        break;
      case 0x47: // ESC G n
        this.dstrike = (a & 1) !== 0;
        break;
      case 0x4a: // ESC J n: print and feed
      case 0x4b:
        if (this.lineLen > 0) this.flushLine();
        this.stripeFeed = false; // it printed the ESC * stripe, if one was waiting
        break;
      case 0x64: // ESC d n: print and feed n lines
        this.flushLine();
        break;
      case 0x65: // ESC e n: print and reverse feed
        if (this.lineLen > 0) this.flushLine();
        break;
      case 0x4c: // ESC L: page mode
        if (!this.pageMode) {
          if (this.lineLen > 0) this.flushLine();
          this.pageMode = true;
          this.pageLines = [];
        }
        break;
      case 0x53: // ESC S: standard mode; unprinted page data is discarded
        if (this.pageMode) {
          this.pageMode = false;
          this.pageLines = [];
          this.clearLine();
        }
        break;
      case 0x4d: // ESC M n
        this.fontB = (a & 1) !== 0;
        break;
      case 0x52: // ESC R n
        if (hasNationalSet(a)) {
          this.national = a;
          this.table = composeTable(this.baseTable, a);
          this.setTextTable();
        } else this.warn('invalid_parameter', this.cmdStart, `ESC R ${a} at offset ${this.cmdStart}: unsupported character set, kept the current one`);
        break;
      case 0x61: // ESC a n
        if ((a & 3) !== 3) this.align = a & 3;
        break;
      case 0x74: // ESC t n
        this.selectPage(ESC_T_TABLES[a], a, 'ESC t');
        break;
      case 0x69: // ESC i: full cut (legacy)
        this.cut('cut');
        break;
      case 0x6d: // ESC m: partial cut (legacy)
        this.cut('partial_cut');
        break;
      case 0x1d: // Star: ESC GS a n (alignment), ESC GS t n (code page)
        if (a === 0x61) {
          const n = p[1] as number;
          if ((n & 3) !== 3) this.align = n & 3;
        } else if (a === 0x74) this.selectPage(STAR_TABLES[p[1] as number], p[1] as number, 'ESC GS t');
        break;
      default:
        // Known commands with no effect on the text (spacing, peripherals, drawer kick, rotation ...).
        break;
    }
  }

  private gsCommand(cmd: number, p: Uint8Array): void {
    const a = p[0] as number;
    switch (cmd) {
      case 0x21: // GS ! n
        this.dw = (a & 0x70) !== 0;
        this.dh = (a & 0x07) !== 0;
        break;
      case 0x42: // GS B n
        this.reverse = (a & 1) !== 0;
        break;
      case 0x28: // GS ( fn pL pH ...
        this.gsParen(p);
        break;
      case 0x38: {
        // GS 8 L p1 p2 p3 p4 m fn ...: graphics with a 32-bit length
        if (this.stage === 0) {
          const len = (p[1] as number) + (p[2] as number) * 0x100 + (p[3] as number) * 0x10000 + (p[4] as number) * 0x1000000;
          this.loopLeft = len;
          if (len >= 2) this.more(2, 1);
          else this.skip(len, D_NONE);
        } else this.graphics(p[6] as number, this.loopLeft - 2);
        break;
      }
      case 0x2a: // GS * x y d: define downloaded bit image
        this.skip(a * (p[1] as number) * 8, D_NONE);
        break;
      case 0x2f: // GS / m: print downloaded bit image
        this.printImage(false, null, 'GS /', this.cmdStart);
        break;
      case 0x43: // GS C: counter printing
        if (this.stage === 0) {
          if (a === 0x30 || a === 0x32) this.more(2, 1);
          else if (a === 0x31) this.more(6, 1);
          else this.warn('invalid_parameter', this.cmdStart, `GS C at offset ${this.cmdStart}: unsupported function`);
        }
        break;
      case 0x49: // GS I n: transmit printer ID
        this.query('GS I', a);
        break;
      case 0x72: // GS r n: transmit status
        this.query('GS r', a);
        break;
      case 0x56: // GS V m [n]
        if (this.stage === 0) {
          if (a === 0 || a === 48) this.cut('cut');
          else if (a === 1 || a === 49) this.cut('partial_cut');
          else if (a === 65 || a === 66 || a === 97 || a === 98 || a === 103 || a === 104) this.more(1, 1);
          else this.warn('invalid_parameter', this.cmdStart, `GS V ${a} at offset ${this.cmdStart}: unknown cut mode`);
        } else this.cut(a === 65 || a === 97 || a === 103 ? 'cut' : 'partial_cut');
        break;
      case 0x6b: // GS k m ...: barcode
        if (this.stage === 0) {
          this.barcodeM = a;
          if (a <= 6) {
            this.capLen = 0;
            this.dataKind = D_BARCODE;
            this.state = S_NULTERM;
          } else if (a >= 65 && a <= 79) this.more(1, 1);
          else this.warn('invalid_parameter', this.cmdStart, `GS k ${a} at offset ${this.cmdStart}: unknown barcode system`);
        } else {
          this.strictBarcode = !(a === 72 || a === 73 || a === 74 || a === 79);
          this.captureData(p[1] as number, D_BARCODE);
        }
        break;
      case 0x76: {
        // GS v 0 m xL xH yL yH d: raster bit image
        if (a !== 0x30) {
          this.warn('invalid_parameter', this.cmdStart, `GS v at offset ${this.cmdStart}: expected "0" after GS v`);
          return;
        }
        // m (p[1]) 0-3 or 48-51: bit 0 doubles the width, bit 1 the height. x is in bytes (8 dots).
        const m = (p[1] as number) & 3;
        const x = (p[2] as number) + (p[3] as number) * 256;
        const y = (p[4] as number) + (p[5] as number) * 256;
        this.rasterStart('GS v 0', x, y, m, (m & 1) + 1, (m >> 1) + 1, x * y);
        this.skip(x * y, D_GS_V0);
        break;
      }
      default:
        break;
    }
  }

  /** GS ( fn pL pH: 2D codes (k), graphics (L), everything else skipped by its declared length. */
  private gsParen(p: Uint8Array): void {
    const fn = p[0] as number;
    const len = (p[1] as number) + (p[2] as number) * 256;
    if (this.stage === 0) {
      if ((fn === 0x6b || fn === 0x4c) && len >= 2) {
        this.more(2, 1);
        return;
      }
      this.skip(len, D_NONE);
      return;
    }
    const cn = p[3] as number;
    const f2 = p[4] as number;
    if (fn === 0x4c) {
      // GS ( L m fn: p[3] = m, p[4] = fn
      this.graphics(f2, len - 2);
      return;
    }
    // GS ( k cn fn: cn 48-54 name the symbology (CODES_2D); fn 80 stores the data, fn 81 prints it.
    const type = CODES_2D[cn - 48];
    if (this.stage === 1) {
      if (f2 === 80 && type !== undefined && len >= 3) {
        this.codeCn = cn;
        this.more(1, 2); // m
        return;
      }
      if (f2 === 81 && type !== undefined) {
        const value = this.stored2d[cn - 48];
        if (value != null) {
          if (cn === 49) this.qr.push(value);
          else if (cn === 48) this.pdf417.push(value);
          this.codes.push({ type, value });
        }
        this.printed();
      }
      this.skip(len - 2, D_NONE);
      return;
    }
    this.captureData(len - 3, D_2D_STORE);
  }

  /** GS ( L / GS 8 L function `fn` with `rest` data bytes after m and fn. */
  private graphics(fn: number, rest: number): void {
    const source = this.cmd === 0x38 ? 'GS 8 L' : 'GS ( L';
    if (fn === 50 || fn === 2) {
      this.printGraphics();
      this.skip(rest, D_NONE);
    } else if (fn === 69 || fn === 85) {
      // Print NV / download graphics: stored in the printer, not in the job.
      this.printImage(false, null, source, this.cmdStart);
      this.skip(rest, D_NONE);
    } else if ((fn === 112 || fn === 113) && this.stage === 1 && rest >= 8) {
      this.more(8, 2); // a bx by c xL xH yL yH
    } else if ((fn === 112 || fn === 113) && this.stage === 2) {
      // Store graphics in the print buffer: fn 112 raster rows, fn 113 columns; bx, by scale 1 or 2; c the colour plane.
      const h = this.pCount - 8;
      const p = this.params;
      const bx = p[h + 1] === 2 ? 2 : 1;
      const by = p[h + 2] === 2 ? 2 : 1;
      const x = (p[h + 4] as number) + (p[h + 5] as number) * 256;
      const y = (p[h + 6] as number) + (p[h + 7] as number) * 256;
      const need = fn === 112 ? rowBytes(x) * y : x * ((y + 7) >> 3);
      const data = rest - 8;
      if (data < need) this.warn('truncated_block', this.cmdStart, `${source} graphics at offset ${this.cmdStart} declare ${x}×${y} dots (${need} bytes) but hold ${data} bytes`);
      this.rasterStart(source, x, y, fn, bx, by, Math.min(data, need));
      this.rDeclared = data; // all of it is skipped; the bytes past `need` are not the picture's
      this.rPlane = 1 << ((p[h + 3] as number) & 7); // c: 49-52 the colour (plane) it fills
      this.skip(data, D_GRAPHICS_STORE, true);
    } else if (fn === 112 || fn === 113 || fn === 67 || fn === 68 || fn === 83) {
      this.skip(rest, D_GRAPHICS_STORE, true);
    } else this.skip(rest, D_NONE);
  }

  private fsCommand(cmd: number, p: Uint8Array): void {
    const a = p[0] as number;
    switch (cmd) {
      case 0x26: // FS &: double-byte (Kanji) mode
        this.kanji = true;
        this.dbcs = doubleByteTable(this.dbcsName);
        break;
      case 0x2e: // FS .: cancel double-byte mode
        this.kanji = false;
        break;
      case 0x28: {
        // FS ( fn pL pH ...; FS ( C fn=48 m selects the character encoding (m 1: one byte, m 2: UTF-8)
        const len = (p[1] as number) + (p[2] as number) * 256;
        if (a === 0x43 && len >= 2 && this.stage === 0) return this.more(2, 1);
        if (a === 0x43 && this.stage === 1 && p[3] === 48) {
          if (p[4] === 2 || p[4] === 50) this.utf8 = true;
          else if (p[4] === 1 || p[4] === 49) this.utf8 = false;
        }
        this.skip(this.stage === 1 ? len - 2 : len, D_NONE);
        break;
      }
      case 0x32: // FS 2 c1 c2 d1..d72: define user Kanji
        this.skip(72, D_NONE);
        break;
      case 0x70: // FS p n m: print NV bit image
        this.printImage(false, null, 'FS p', this.cmdStart);
        break;
      case 0x71: // FS q n [xL xH yL yH d...]...: define NV bit images
        if (this.stage === 0) {
          this.loopLeft = a;
          if (a > 0) this.more(4, 1);
        } else {
          this.loopLeft--;
          const k = this.pCount;
          const x = (p[k - 4] as number) + (p[k - 3] as number) * 256;
          const y = (p[k - 2] as number) + (p[k - 1] as number) * 256;
          this.pCount = 1;
          this.skip(x * y * 8, D_FSQ_NEXT);
        }
        break;
      case 0x67: // FS g 1 m a1..a4 nL nH d: write user NV memory
        if (a === 0x31) this.skip((p[6] as number) + (p[7] as number) * 256, D_NONE);
        break;
      default:
        break;
    }
  }

  private dleCommand(cmd: number, p: Uint8Array): void {
    const a = p[0] as number;
    if (cmd === 0x04) {
      if ((a === 7 || a === 8) && this.stage === 0) return this.more(1, 1);
      this.query('DLE EOT', a);
    } else if (cmd === 0x05) {
      this.query('DLE ENQ', a);
    } else if (this.stage === 0) {
      // DLE DC4 fn ...: fn 1/2 take 2 more bytes, 3 and 8 take 7, 7 takes 1.
      const more = a === 1 || a === 2 ? 2 : a === 3 || a === 8 ? 7 : a === 7 ? 1 : 0;
      if (more > 0) this.more(more, 1);
      else this.query('DLE DC4', a);
    } else this.query('DLE DC4', a);
  }

  /** A data block finished. */
  private dataDone(): void {
    switch (this.dataKind) {
      case D_GRAPHICS_STORE:
        if (this.rOn) this.graphicsStored();
        break;
      case D_GS_V0:
        this.gsV0Done();
        break;
      case D_ESC_STAR:
        this.escStarDone();
        break;
      case D_2D_STORE:
        this.stored2d[this.codeCn - 48] = payloadText(this.capture.subarray(0, this.capLen));
        break;
      case D_BARCODE: {
        const m = this.barcodeM;
        const data = this.capture.subarray(0, this.capLen);
        this.strictBarcode = false;
        this.barcodes.push({ type: BARCODE_NAMES[m] ?? `GS k ${m}`, value: barcodeValue(m, data) });
        this.printed();
        break;
      }
      case D_FSQ_NEXT:
        if (this.loopLeft > 0) this.more(4, 1);
        break;
      case D_ESCAMP_NEXT:
        if (this.loopLeft > 0) this.more(1, 1);
        break;
    }
    this.dataKind = D_NONE;
  }

  private query(command: StatusQuery['command'], n: number): void {
    this.queries.push({ command, n, offset: this.cmdStart });
  }

  private selectPage(name: string | undefined, n: number, cmd: string): void {
    if (name === undefined) {
      this.warn('invalid_parameter', this.cmdStart, `${cmd} ${n} at offset ${this.cmdStart}: code page not supported, kept ${this.pageName}`);
      return;
    }
    this.pageName = name;
    this.baseTable = singleByteTable(name);
    this.table = composeTable(this.baseTable, this.national);
    this.setTextTable();
  }

  // ---- printer model -------------------------------------------------------------------------

  private styleKey(): number {
    let k = 0;
    if (this.emph || this.dstrike) k |= 1;
    if (this.underline) k |= 2;
    if (this.dw) k |= 4;
    if (this.dh) k |= 8;
    if (this.reverse) k |= 16;
    return k | (this.align << 5);
  }

  private charDots(): number {
    return (this.fontB ? 9 : 12) * (this.dw ? 2 : 1);
  }

  private moveTo(col: number): void {
    if (col > MAX_LINE - 1) col = MAX_LINE - 1;
    if (col > this.lineLen) {
      if (this.lineLen === 0 && this.lineStyle < 0) this.lineStyle = this.styleKey();
      while (this.lineLen < col) this.line[this.lineAt + this.lineLen++] = 0x20;
    } else if (this.lineLen > 0 && this.line[this.lineAt + this.lineLen - 1] !== 0x20) this.line[this.lineAt + this.lineLen++] = 0x20;
  }

  private tab(): void {
    for (const t of this.tabs) {
      if (t > this.lineLen) {
        this.moveTo(t);
        return;
      }
    }
  }

  /** The unprinted line holds something other than spaces. */
  private lineHasInk(): boolean {
    const at = this.lineAt;
    for (let k = 0; k < this.lineLen; k++) if (this.line[at + k] !== 0x20) return true;
    return false;
  }

  private clearLine(): void {
    this.lineLen = 0;
    this.lineStyle = -1;
    this.lineOdd = 0;
  }

  /** The current line is printed (LF, CR, FF, ESC d ...). */
  private flushLine(): void {
    const at = this.lineAt;
    let end = this.lineLen;
    const line = this.line;
    while (end > 0 && line[at + end - 1] === 0x20) end--;
    const style = STYLES[this.lineStyle >= 0 ? this.lineStyle : this.styleKey()] as LineStyle;
    const ink = end > 0;
    // Only a line with odd characters can hold garbage (the count then holds the non-ASCII characters of those
    // lines only: it can say "garbage" more often than the whole text would, never less).
    if (this.lineOdd !== 0 && !this.pageMode) countGarble(at === 0 ? line : line.subarray(at), end, this.garble);
    this.clearLine();
    const feed = this.stripeFeed;
    this.stripeFeed = false;
    if (feed && !ink) return; // the line end printed an ESC * stripe
    if (this.pageMode) {
      this.pageLines.push({ text: ink ? this.textOf(at, at + end) : '', style });
      return;
    }
    if (!ink) {
      if (this.lines.length > 0) this.lines.push({ text: '', style }); // no leading blank lines
      return;
    }
    // The text is made later, with the other lines' (printText); the characters stay where they are.
    const printed: DecodedLine = { text: '', style };
    this.lines.push(printed);
    this.committed = true;
    const k = this.textCount++;
    if (k < this.textLines.length) {
      this.textLines[k] = printed;
      this.textEnds[k] = at + end;
    } else {
      this.textLines.push(printed);
      this.textEnds.push(at + end);
    }
    this.lineAt = at + end;
    // Room for a whole next line, or the printed lines get their text now.
    if (this.lineAt + MAX_LINE + 8 > line.length) this.printText();
  }

  /** The characters line[from, to) as a string. */
  private textOf(from: number, to: number): string {
    return this.lineBytes ? this.lineBytes.toString('utf16le', from * 2, to * 2) : String.fromCharCode.apply(null, this.line.subarray(from, to) as unknown as number[]);
  }

  /** The printed lines waiting for their text get it: one string of them all, a slice each. The current line moves to the start. */
  private printText(): void {
    const n = this.textCount;
    if (n > 0) {
      const all = this.textOf(0, this.textEnds[n - 1] as number);
      let from = 0;
      for (let k = 0; k < n; k++) {
        const to = this.textEnds[k] as number;
        (this.textLines[k] as DecodedLine).text = all.slice(from, to);
        this.textLines[k] = NO_LINE;
        from = to;
      }
      this.textCount = 0;
    }
    this.restartLine();
  }

  /** The printed lines waiting for their text are dropped with their receipt (a foreign job, bytes that printed nothing kept). */
  private dropText(): void {
    for (let k = 0; k < this.textCount; k++) this.textLines[k] = NO_LINE;
    this.textCount = 0;
    this.restartLine();
  }

  /** The current line's characters move to the start of `line`. */
  private restartLine(): void {
    if (this.lineAt === 0) return;
    if (this.lineLen > 0) this.line.copyWithin(0, this.lineAt, this.lineAt + this.lineLen);
    this.lineAt = 0;
  }

  private printPage(): void {
    if (this.lineLen > 0) {
      const wasPage = this.pageMode;
      this.pageMode = true;
      this.flushLine();
      this.pageMode = wasPage;
    }
    for (const l of this.pageLines) {
      if (this.lines.length === 0 && l.text === '') continue;
      this.lines.push(l);
      if (this.checkEncoding) countTextGarble(l.text, this.garble);
      if (l.text.trim() !== '') this.committed = true;
    }
    this.pageLines = [];
  }

  private printed(): void {
    this.committed = true;
    this.stripe = false;
  }

  /**
   * A picture was printed: `band`, or with null a logo the printer holds (NV or downloaded image).
   * Consecutive stripes of one command (ESC *, GS v 0 bands) with nothing printed between them are one picture.
   */
  private printImage(stripe: boolean, band: RasterBand | null, source: string, at: number): void {
    // An image takes the print position's line: text before it is printed, a run of mere spaces is not.
    if (this.lineHasInk()) this.flushLine();
    else if (this.lineLen > 0) this.clearLine();
    const open = this.openPic;
    if (band !== null && stripe && this.stripe && open !== null && open.source === source) this.growPicture(open, band);
    else {
      this.openPic = null;
      if (this.pictures.length >= MAX_PICTURES) {
        if (!this.picturesFull) this.warn('invalid_parameter', at, `more than ${MAX_PICTURES} pictures in one receipt: the picture at offset ${at} and those after it are not kept`);
        this.picturesFull = true;
        this.committed = true;
        this.stripe = false;
        return;
      }
      const align = ALIGNS[this.align] ?? 'left';
      if (band) {
        const pic = new RasterPicture(source, this.lines.length, align, at);
        this.pictures.push(pic);
        this.openPic = pic;
        this.growPicture(pic, band);
      } else this.pictures.push({ kind: 'logo', source, line: this.lines.length, align, width: 0, height: 0, data: EMPTY, paperDots: 0, offset: at });
    }
    this.committed = true;
    this.stripe = stripe;
  }

  /** Adds a band below the open picture (the wider of the two sets the width); its dots are joined when first read. */
  private growPicture(pic: RasterPicture, band: RasterBand): void {
    this.pictureBytes += bitmapBytes(band.width, band.height);
    pic.addBand(band);
  }

  /**
   * A raster command's header is read: its data (`declared` bytes) follows. Up to the receipt's picture budget
   * counts; `sx`, `sy` are the printer's dot scaling.
   */
  private rasterStart(source: string, x: number, y: number, mode: number, sx: number, sy: number, declared: number): void {
    this.rOn = true;
    this.rLen = 0;
    this.rDataAt = -1;
    this.rDeclared = declared;
    this.rKeep = Math.min(declared, Math.max(0, Math.floor((MAX_PICTURE_BYTES - this.pictureBytes) / (sx * sy))));
    if (this.rKeep < declared) {
      this.warn('invalid_parameter', this.cmdStart, `${source} image at offset ${this.cmdStart} goes past the ${MAX_PICTURE_BYTES >> 20} MiB of pictures a receipt keeps; only its first ${this.rKeep} bytes are kept`);
    }
    this.rAt = this.cmdStart;
    this.rSource = source;
    this.rX = x;
    this.rY = y;
    this.rMode = mode;
    this.rScaleX = sx;
    this.rScaleY = sy;
  }

  /** Raster data bytes `buf[from, to)` arrived: counted (up to the budget), not copied; the first one's offset is noted. */
  private rasterBytes(buf: Uint8Array, from: number, to: number): void {
    if (this.rDataAt < 0 && to > from) this.rDataAt = this.curBase + from;
    this.rLen = Math.min(this.rLen + (to - from), this.rKeep);
  }

  /** The raster block ends with less data than declared (end of data, idle): the rows that came are printed. */
  private rasterCutShort(): void {
    const kind = this.dataKind;
    this.dataKind = D_NONE;
    if (kind === D_GS_V0) this.gsV0Done();
    else if (kind === D_ESC_STAR) this.escStarDone();
    else this.rOn = false;
  }

  /** The block just read as one band: `width` × `height` dots before scaling. */
  private rasterBand(columns: boolean, width: number, height: number, perColumn: number): RasterBand {
    const sx = this.rScaleX;
    const sy = this.rScaleY;
    const block: RasterBlock = { columns, width, height, perColumn, sx, sy, at: this.rDataAt, bytes: null };
    return { width: width * sx, height: height * sy, blocks: [block] };
  }

  /** GS v 0 data read: rX bytes a row, rY rows (fewer when cut short). */
  private gsV0Done(): void {
    const stride = this.rX;
    const rows = stride === 0 ? 0 : Math.min(this.rY, Math.floor(this.rLen / stride));
    if (rows > 0) this.printImage(true, this.rasterBand(false, stride * 8, rows, 0), this.rSource, this.rAt);
    this.rOn = false;
  }

  /** ESC * data read: rX columns of rY bytes (1 or 3), each column's first byte its top. */
  private escStarDone(): void {
    const columns = Math.min(this.rX, Math.floor(this.rLen / this.rY));
    if (columns > 0) {
      this.printImage(true, this.rasterBand(true, columns, this.rY * 8, this.rY), this.rSource, this.rAt);
      this.stripeFeed = true;
    }
    this.rOn = false;
  }

  /** GS ( L / GS 8 L fn 112 or 113 data read (all of it, or what came before a print command cut it short). */
  private graphicsStored(): void {
    const x = this.rX;
    const y = this.rY;
    let band: RasterBand;
    if (this.rMode === 112) {
      const stride = rowBytes(x);
      const rows = stride === 0 ? 0 : Math.min(y, Math.floor(this.rLen / stride));
      band = this.rasterBand(false, x, rows, 0);
    } else {
      const perColumn = (y + 7) >> 3;
      const columns = perColumn === 0 ? 0 : Math.min(x, Math.floor(this.rLen / perColumn));
      band = this.rasterBand(true, columns, columns > 0 ? y : 0, perColumn);
    }
    const prev = this.gfx;
    if (prev && prev.width === band.width && prev.height === band.height && (this.gfxPlanes & this.rPlane) === 0) {
      // Another colour plane of the same graphics: any ink prints black. (The same plane again replaces it.)
      prev.blocks.push(band.blocks[0] as RasterBlock);
      this.gfxPlanes |= this.rPlane;
    } else if (band.width > 0 && band.height > 0) {
      this.gfx = band;
      this.gfxPlanes = this.rPlane;
      this.gfxSource = this.rSource;
      this.gfxAt = this.rAt;
    } else this.gfx = null;
    this.rOn = false;
  }

  /** GS ( L fn 50 / fn 2: the graphics in the print buffer are printed, and the buffer cleared. */
  private printGraphics(): void {
    const gfx = this.gfx;
    if (gfx === null) return;
    this.gfx = null;
    // Drivers print a tall picture as graphics band after band: consecutive ones are one picture.
    this.printImage(true, gfx, this.gfxSource, this.gfxAt);
  }

  /**
   * Stored graphics not printed yet may be printed after the bytes that hold them leave (a cut, the end of the
   * data): their blocks take a copy of their bytes first.
   */
  private keepStoredGraphics(): void {
    const gfx = this.gfx;
    if (gfx === null) return;
    for (const block of gfx.blocks) {
      if (block.bytes !== null) continue;
      const size = block.columns ? block.width * block.perColumn : rowBytes(block.width) * block.height;
      block.bytes = this.rawSpan(block.at, block.at + size);
      block.at = 0;
    }
  }

  private currentPageName(): string {
    return this.utf8 ? 'UTF-8' : this.kanji ? this.dbcsName : this.pageName;
  }

  private resetPrinter(): void {
    this.pageName = this.defaultPage;
    this.national = 0;
    this.baseTable = singleByteTable(this.defaultPage);
    this.table = this.baseTable;
    this.setTextTable();
    this.kanji = this.defaultKanji;
    this.utf8 = this.defaultUtf8;
    this.dbcsName = this.defaultDbcs;
    this.dbcs = this.kanji ? doubleByteTable(this.dbcsName) : null;
    this.emph = false;
    this.dstrike = false;
    this.underline = false;
    this.dw = false;
    this.dh = false;
    this.reverse = false;
    this.align = 0;
    this.fontB = false;
    this.tabs = DEFAULT_TABS;
    this.pageMode = false;
    this.pageLines = [];
    this.stripe = false;
  }

  /** ESC @: ends a receipt that printed something; otherwise the unprinted line is junk and dropped. */
  private init(): void {
    if (this.committed) {
      this.clearLine(); // ESC @ clears the print buffer: an unterminated line is never printed
      this.endReceipt(this.cmdStart, 'new_job', true);
    } else if (this.lineHasInk()) {
      this.warn('junk_before_init', this.rStart, `dropped unprinted bytes before ESC @ at offset ${this.cmdStart}`);
      this.clearLine();
    } else this.clearLine();
    this.resetPrinter();
    if (!this.committed && this.lines.length === 0) this.startPage = this.currentPageName();
  }

  private cut(kind: ReceiptEnd): void {
    if (this.pageMode) return; // GS V is ignored in page mode
    if (this.lineLen > 0) this.flushLine();
    this.endReceipt(this.curBase + this.completedAt, kind, true);
    // The next receipt starts with the next byte read (a cut that a command cut short ends before it: not sniffed).
    if (this.state === S_TEXT && this.sniffOn && this.sniffAt === this.curBase + this.completedAt) this.sniff(this.cur, this.completedAt);
  }

  private endReceipt(endAbs: number, end: ReceiptEnd, lineAlreadyHandled: boolean): void {
    if (!lineAlreadyHandled && this.lineLen > 0) this.flushLine();
    if (!this.committed) return;
    this.printText();
    while (this.lines.length > 0 && (this.lines[this.lines.length - 1] as DecodedLine).text === '') this.lines.pop();
    const warnings = this.warnings;
    for (let k = 0; k < warnings.length; k++) (warnings[k] as DecoderWarning).offset = Math.max(0, (this.warnAbs[k] as number) - this.rStart);
    if (this.suppressed > 0) warnings.push({ code: 'resync', offset: 0, message: `${this.suppressed} further warnings suppressed` });
    this.openPic = null;
    const raw = this.rawSpan(this.rStart, endAbs);
    const pictures = this.pictures;
    for (let k = 0; k < pictures.length; k++) {
      const pic = pictures[k] as Picture;
      pic.offset = Math.max(0, pic.offset - this.rStart);
      if (pic instanceof RasterPicture) pic.bind(raw, this.rStart);
    }
    this.keepStoredGraphics();
    const receipt: DecodedReceipt = {
      lines: this.lines,
      qr: this.qr,
      pdf417: this.pdf417,
      barcodes: this.barcodes,
      codes: this.codes,
      images: this.pictures.length,
      pictures: this.pictures,
      end,
      warnings,
      raw,
      startCodepage: this.startPage,
    };
    if (this.foreign) {
      receipt.notReceipt = this.foreign;
      if (this.state === S_FOREIGN) this.state = S_TEXT;
    } else if (this.checkEncoding && (looksGarbled(this.garble) || (this.u8Seqs > 0 && this.u8Bad === 0))) {
      // Only text that counts as garbage, or double-byte text shaped like UTF-8, is looked at again.
      const utf8Like = this.u8Seqs > 0 && this.u8Bad === 0;
      const w = suspectEncoding(receipt, this.startPage, utf8Like, (bytes, codepage) => redecodeText(bytes, codepage, this.options));
      if (w && warnings.length < MAX_WARNINGS) warnings.push(w);
    }
    this.out.push(receipt);
    this.stats.receipts++;
    this.keepPendingFrom(endAbs);
    this.rStart = endAbs;
    this.clearReceipt();
    this.sniffFrom(endAbs);
    this.startPage = this.currentPageName();
  }

  /** A receipt may start at `abs`: its first bytes are sniffed for a foreign job when read (push, cut). */
  private sniffFrom(abs: number): void {
    this.sniffOn = true;
    this.sniffAt = abs;
    this.sniffLen = 0;
  }

  private clearReceipt(): void {
    const g = this.garble;
    g.bad = g.greek = g.greekOutside437 = g.nonAscii = 0;
    this.u8Need = 0;
    this.u8Seqs = 0;
    this.u8Bad = 0;
    this.foreign = null;
    this.codes = [];
    this.dropText();
    this.lines = [];
    this.qr = [];
    this.pdf417 = [];
    this.barcodes = [];
    this.pictures = [];
    this.openPic = null;
    this.pictureBytes = 0;
    this.picturesFull = false;
    this.stripeFeed = false;
    this.warnings = [];
    this.warnAbs = [];
    this.suppressed = 0;
    this.committed = false;
    this.stripe = false;
  }

  private rawSpan(from: number, to: number): Uint8Array {
    if (this.pendingLen === 0 && from >= this.curBase) return this.cur.slice(from - this.curBase, to - this.curBase);
    const out = new Uint8Array(Math.max(0, to - from));
    copyOverlap(this.rStart, this.pending.subarray(0, this.pendingLen), from, to, out);
    copyOverlap(this.curBase, this.cur, from, to, out);
    return out;
  }

  private retain(bytes: Uint8Array): void {
    const need = this.pendingLen + bytes.length;
    if (need > this.pending.length) {
      const bigger = new Uint8Array(Math.max(need, this.pending.length * 2));
      bigger.set(this.pending.subarray(0, this.pendingLen));
      this.pending = bigger;
    }
    this.pending.set(bytes, this.pendingLen);
    this.pendingLen = need;
  }

  /**
   * The next receipt starts at `abs`. Bytes of earlier pushes from there on (a command split across
   * chunks, e.g. the ESC of an ESC @ that ended the last receipt) stay pending: they are the next receipt's.
   */
  private keepPendingFrom(abs: number): void {
    const skip = abs - this.rStart;
    if (skip <= 0) return;
    if (skip >= this.pendingLen) {
      this.dropPending();
      return;
    }
    this.pending.copyWithin(0, skip, this.pendingLen);
    this.pendingLen -= skip;
  }

  private dropPending(): void {
    this.pendingLen = 0;
    if (this.pending.length > 1 << 20) this.pending = new Uint8Array(4096);
  }

  private warn(code: DecoderWarning['code'], abs: number, message: string): void {
    if (this.warnings.length >= MAX_WARNINGS) {
      this.suppressed++;
      return;
    }
    this.warnings.push({ code, offset: 0, message });
    this.warnAbs.push(abs);
  }
}

const EMPTY = new Uint8Array(0);
const ODD_CHARS = oddCharTable();

/** `bytes` begins with the first `len` bytes of `prefix`. */
function startsWith(bytes: Uint8Array, prefix: Uint8Array, len: number): boolean {
  if (bytes.length < len) return false;
  for (let k = 0; k < len; k++) if (bytes[k] !== prefix[k]) return false;
  return true;
}

/** With `next`, the byte `b` starts a known command (a vendor framing counts). */
function startsCommand(b: number, next: number): boolean {
  if (b === ESC) return ESC_LEN[next] !== -1;
  if (b === GS) return GS_LEN[next] !== -1;
  if (b === FS) return FS_LEN[next] !== -1;
  return next === 0x04 || next === 0x05 || next === 0x14;
}

/** The text `bytes` decode to with `codepage` as the printer's default (for the code-page check). */
function redecodeText(bytes: Uint8Array, codepage: string, options: DecoderOptions): string {
  const s = new EscposStream({ ...options, codepage, doubleByte: undefined, checkEncoding: false });
  const rs = s.push(bytes, 0).receipts.concat(s.end());
  return rs.map((r) => r.lines.map((l) => l.text).join('\n')).join('\n');
}
const MARKER = [GS, 0x28, 0x4c, 0x02, 0x00, 0x30];
/** Node's Buffer (its substring search finds the print command in long graphics data); elsewhere the data is read byte by byte. */
const HAS_BUFFER = typeof Buffer === 'function';
const PRINT_MARKER = HAS_BUFFER ? Buffer.from(MARKER) : EMPTY;
/** Graphics data shorter than this is read byte by byte (a search has a fixed cost). */
const MARKER_SEARCH_MIN = 64;

/** Every 8 columns (ESC @); shared by every stream and never changed. */
const DEFAULT_TABS: number[] = [];
for (let c = 8; c < 256; c += 8) DEFAULT_TABS.push(c);

function hex(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
}

function copyOverlap(base: number, bytes: Uint8Array, from: number, to: number, out: Uint8Array): void {
  const s = Math.max(from, base);
  const e = Math.min(to, base + bytes.length);
  if (e > s) out.set(bytes.subarray(s - base, e - base), s - from);
}
