// `decode <file|-> [--json] [--codepage NAME] [--columns N] [--png OUT.png]`: prints the receipts an ESC/POS print job holds, as the paper shows them.
import { writeFile } from 'node:fs/promises';
import {
  canonicalCodepage,
  decode,
  DEFAULT_COLUMNS,
  encodePng,
  listCodepages,
  paperImage,
  paperLines,
  UnknownCodepageError,
  type DecodedReceipt,
} from '../escpos/index.js';
import { readAll, roundConfidence as round, type PictureLines } from '../ocr/index.js';
import { parseCommandArgs, UsageError, writeJson, type Command } from './command.js';
import { readInput } from './input.js';

/** The line printed between two receipts in plain output. */
export const RECEIPT_SEPARATOR = '='.repeat(48);

/** A picture in `--json`: where it printed and its size, without its dots. */
export interface PictureJson {
  kind: 'raster' | 'logo';
  source: string;
  /** Text lines before it (it sits between lines[line - 1] and lines[line]). */
  line: number;
  align: string;
  width: number;
  height: number;
  paperDots: number;
  /** Byte offset of its first command in the receipt's raw bytes. */
  offset: number;
}

/** The `--json` shape: one object per receipt. */
export function receiptJson(r: DecodedReceipt): {
  lines: string[];
  end: string;
  qr: string[];
  pdf417: string[];
  barcodes: { type: string; value: string }[];
  codes: { type: string; value: string }[];
  images: number;
  pictures: PictureJson[];
  notReceipt?: { language: string; reason: string };
  warnings: { code: string; offset: number; message: string }[];
} {
  return {
    lines: r.lines.map((l) => l.text),
    end: r.end,
    qr: r.qr,
    pdf417: r.pdf417,
    barcodes: r.barcodes,
    codes: r.codes ?? [],
    images: r.images,
    pictures: (r.pictures ?? []).map(({ kind, source, line, align, width, height, paperDots, offset }) => ({ kind, source, line, align, width, height, paperDots, offset })),
    ...(r.notReceipt ? { notReceipt: r.notReceipt } : {}),
    warnings: r.warnings,
  };
}

/** `ocr` in `decode --json`: which lines were read from pictures, and how sure the engine was (0 to 1). */
export function ocrJson(read: PictureLines): { pictures: number; confidence: number; lines: Array<{ line: number; confidence: number; words: Array<{ text: string; confidence: number }> }> } {
  return {
    pictures: read.pictures,
    confidence: round(read.confidence),
    lines: read.lines.map((l) => ({ line: l.line, confidence: round(l.confidence), words: l.words.map((w) => ({ text: w.text, confidence: round(w.confidence) })) })),
  };
}

/** Plain output of one receipt: what a job that is no receipt is, else its text wrapped at the paper's columns. */
export function receiptPaperText(r: DecodedReceipt, columns: number): string {
  if (r.notReceipt) return `[${r.notReceipt.reason}]`;
  return paperLines(r, columns)
    .map((l) => l.text)
    .join('\n');
}

export const command: Command = {
  name: 'decode',
  summary: 'print the receipts (text, codes, how each ended) that an ESC/POS print job holds',
  usage: [
    '  taxpoynt-bridge decode <file|-> [--json] [--codepage NAME] [--columns N] [--png OUT.png]',
    '  Plain output: each receipt\'s text as printed on paper, receipts separated by a line of "=";',
    '  a job that is not ESC/POS (TSPL, ZPL, EPL, PCL, PostScript) prints what it is instead.',
    '  Code-page warnings (text that another code page reads cleanly) go to standard error.',
    '  --json: { "receipts": [ { "lines", "end", "qr", "pdf417", "barcodes", "codes", "images", "pictures", "notReceipt"?, "warnings" } ] }',
    '    with the logical (unwrapped) lines; each picture as { kind (raster|logo), source (GS v 0, ESC *, GS ( L ...), line, align,',
    '    width, height, paperDots, offset }, without its dots. A receipt printed as pictures has their text read (OCR) among',
    '    its lines, and "ocr": { "pictures", "confidence", "lines": [ { "line", "confidence", "words" } ] } says which lines were read.',
    '  --png OUT.png: also writes the receipts as the paper looks (text, pictures at their places, cuts between) to OUT.png,',
    '    a 1-bit PNG as wide as the paper in dots (384 for 58 mm, 576 for 80 mm).',
    `  --columns: characters per printed line (32 for 58 mm, 42, 48 for 80 mm); default ${DEFAULT_COLUMNS}.`,
    '  --codepage: the printer\'s default code page (after ESC @), default CP437. One of:',
    `    ${listCodepages().join(' ')}`,
  ].join('\n'),
  async run(ctx) {
    const parsed = parseCommandArgs({
      args: ctx.argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        png: { type: 'string' },
        codepage: { type: 'string' },
        columns: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const { values, positionals } = parsed;
    if (values.help) {
      ctx.stdout.write(command.usage + '\n');
      return 0;
    }
    if (positionals.length > 1) throw new UsageError(`decode takes one file (or "-"), got ${positionals.length}; usage:\n${command.usage}`);
    let codepage: string | undefined;
    if (values.codepage !== undefined) {
      try {
        codepage = canonicalCodepage(values.codepage);
      } catch (err) {
        if (err instanceof UnknownCodepageError) throw new UsageError(err.message);
        throw err;
      }
    }
    const columns = values.columns === undefined ? DEFAULT_COLUMNS : Number(values.columns);
    if (!Number.isInteger(columns) || columns < 1 || columns > 1000) {
      throw new UsageError(`--columns wants a whole number of characters per line (32, 42, 48 ...), got "${values.columns}"`);
    }
    const bytes = await readInput(ctx, positionals[0]);
    const decoded = decode(bytes, codepage ? { codepage } : undefined);
    if (values.png !== undefined) {
      if (values.png === '') throw new UsageError('--png wants the path of the PNG file to write, e.g. --png receipt.png');
      if (decoded.length === 0) ctx.stderr.write(`the job holds no receipt: ${values.png} is a blank page\n`);
      try {
        await writeFile(values.png, encodePng(paperImage(decoded, { columns })));
      } catch (err) {
        throw new UsageError(`cannot write ${values.png}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (err as Error).message}`);
      }
    }
    // Receipts printed as pictures: their text is read (OCR) before anything is printed.
    const read = await readAll(decoded);
    const receipts = read.map((r) => r.receipt);
    if (values.json) {
      writeJson(ctx.stdout, { receipts: read.map((r) => ({ ...receiptJson(r.receipt), ...(r.read ? { ocr: ocrJson(r.read) } : {}) })) });
      return 0;
    }
    receipts.forEach((r, k) => {
      for (const w of r.warnings) if (w.code === 'suspect_encoding') ctx.stderr.write(`receipt ${k + 1}: ${w.message}\n`);
    });
    const parts = receipts.map((r) => receiptPaperText(r, columns));
    if (parts.length > 0) ctx.stdout.write(parts.join(`\n${RECEIPT_SEPARATOR}\n`) + '\n');
    return 0;
  },
};
