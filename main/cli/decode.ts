// `decode <file|-> [--json] [--codepage NAME]`: prints the receipts an ESC/POS print job holds.
import { canonicalCodepage, decode, listCodepages, receiptText, UnknownCodepageError, type DecodedReceipt } from '../escpos/index.js';
import { parseCommandArgs, UsageError, writeJson, type Command } from './command.js';
import { readInput } from './input.js';

/** The line printed between two receipts in plain output. */
export const RECEIPT_SEPARATOR = '='.repeat(48);

/** The `--json` shape: one object per receipt. */
export function receiptJson(r: DecodedReceipt): {
  lines: string[];
  end: string;
  qr: string[];
  pdf417: string[];
  barcodes: { type: string; value: string }[];
  images: number;
  warnings: { code: string; offset: number; message: string }[];
} {
  return {
    lines: r.lines.map((l) => l.text),
    end: r.end,
    qr: r.qr,
    pdf417: r.pdf417,
    barcodes: r.barcodes,
    images: r.images,
    warnings: r.warnings,
  };
}

export const command: Command = {
  name: 'decode',
  summary: 'print the receipts (text, codes, how each ended) that an ESC/POS print job holds',
  usage: [
    '  taxpoynt-bridge decode <file|-> [--json] [--codepage NAME]',
    '  Plain output: each receipt\'s text, receipts separated by a line of "=".',
    '  --json: { "receipts": [ { "lines", "end", "qr", "pdf417", "barcodes", "images", "warnings" } ] }.',
    '  --codepage: the printer\'s default code page (after ESC @), default CP437. One of:',
    `    ${listCodepages().join(' ')}`,
  ].join('\n'),
  async run(ctx) {
    const parsed = parseCommandArgs({
      args: ctx.argv,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, codepage: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
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
    const bytes = await readInput(ctx, positionals[0]);
    const receipts = decode(bytes, codepage ? { codepage } : undefined);
    if (values.json) {
      writeJson(ctx.stdout, { receipts: receipts.map(receiptJson) });
      return 0;
    }
    const parts = receipts.map(receiptText);
    if (parts.length > 0) ctx.stdout.write(parts.join(`\n${RECEIPT_SEPARATOR}\n`) + '\n');
    return 0;
  },
};
