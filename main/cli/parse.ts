// `parse <file|-> [--profile NAME|FILE] [--json] [--device ID]`: decodes a print job and prints each receipt's transaction and validation.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { canonicalCodepage, decode } from '../escpos/index.js';
import { loadConfig } from '../engine/config.js';
import type { DecodedReceipt } from '../escpos/index.js';
import { OCR_ENGINE, readAll, type PictureLines } from '../ocr/index.js';
import { loadProfile, parseReadReceipt, parseReceipt, ProfileError, readingVerdict, transactionId, type ParseContext, type ParseResult, type Profile, type Transaction } from '../receipts/index.js';
import { parseCommandArgs, UsageError, writeJson, type Command, type CommandContext } from './command.js';
import { readInput } from './input.js';

interface DeviceSettings {
  profile: string;
  codepage: string | undefined;
  terminalId: string;
  integration: Transaction['source']['integration'];
}

/** The device's receipt settings from the config file, when --device names one there; else defaults. */
function deviceSettings(ctx: CommandContext, deviceId: string, named: boolean): DeviceSettings {
  const fallback: DeviceSettings = { profile: 'generic@1', codepage: undefined, terminalId: deviceId, integration: 'escpos_tcp' };
  if (!named) return fallback;
  const { config } = loadConfig(ctx.configFile, ctx.env);
  const device = config.devices.find((d) => d.id === deviceId);
  if (!device) return fallback;
  if (device.kind === 'hid' || device.kind === 'ecr_serial') {
    return { ...fallback, terminalId: device.terminal_id ?? deviceId, integration: device.kind === 'hid' ? 'hid' : 'ecr_serial' };
  }
  return {
    profile: device.profile,
    codepage: device.codepage,
    terminalId: device.terminal_id ?? deviceId,
    integration: device.kind === 'serial_tap' ? 'escpos_serial' : 'escpos_tcp',
  };
}

const TAX_NAME: Record<string, string> = { VAT: 'VAT', consumption_tax: 'consumption tax' };

/**
 * The totals in the order the receipt's arithmetic runs (cloud-api.md §3), every part that was printed: with prices that
 * include VAT the tax is said to be inside them, not added, so the line still reads as a sum that comes to the total.
 */
function totalsLines(tx: Transaction): string[] {
  const t = tx.totals;
  const part = (label: string, value: string | undefined) => (value ? `  ${label} ${value}` : '');
  const taxes = tx.taxes.length > 1 ? ` (${tx.taxes.map((x) => `${TAX_NAME[x.type] ?? x.type} ${x.amount}`).join(', ')})` : '';
  const lines = [
    `  subtotal ${t.subtotal}` +
      part('discount', t.discount) +
      part('service charge', t.service_charge) +
      (t.tax_inclusive ? '' : `  tax ${t.tax}${taxes}`) +
      part('tip', t.tip) +
      part('rounding', t.rounding) +
      `  total ${t.total} ${tx.currency}`,
  ];
  if (t.tax_inclusive) lines.push(`  prices include VAT (tax_inclusive): the total contains tax ${t.tax}${taxes}`);
  return lines;
}

function describe(result: ParseResult, index: number, count: number): string {
  const out = [`Receipt ${index + 1} of ${count}: ${result.status.toUpperCase()}`];
  const tx = result.transaction;
  if (tx) {
    out.push(`  ${tx.document_type} ${tx.receipt_number}  issued ${tx.issued_at}  terminal ${tx.terminal_id}  id ${tx.id}`);
    if (tx.seller) out.push(`  seller: ${tx.seller.name}${tx.seller.tin ? `  TIN ${tx.seller.tin}` : ''}`);
    out.push('  lines:');
    for (const l of tx.lines) {
      out.push(`    ${l.quantity} × ${l.description} @ ${l.unit_price} = ${l.amount}  [${l.tax_category}${l.tax_category === 'standard' ? ` ${l.tax_rate}%` : ''}]`);
    }
    out.push(...totalsLines(tx));
    for (const x of tx.taxes) out.push(`  tax: ${TAX_NAME[x.type] ?? x.type} ${x.category} ${x.rate}% of ${x.taxable_amount} = ${x.amount}${tx.totals.tax_inclusive ? ' (included in the prices)' : ''}`);
    for (const p of tx.payments) out.push(`  paid: ${p.method} ${p.amount}${p.card_last4 ? ` (card ending ${p.card_last4})` : ''}`);
  }
  if (result.problems.length === 0) out.push('  validation: ok, it adds up');
  for (const p of result.problems) out.push(`  problem [${p.code}] ${p.field}: ${p.message}`);
  return out.join('\n');
}

export const command: Command = {
  name: 'parse',
  summary: 'read the receipts in an ESC/POS print job as tax transactions, and check that they add up',
  usage: [
    '  taxpoynt-bridge parse <file|-> [--profile NAME|FILE] [--json] [--device ID]',
    '  Decodes the bytes, parses each receipt and prints its transaction and validation (ok, review or unparsed).',
    '  --profile: a built-in profile (generic@1, ...) or a profile file; default: the device\'s, else generic@1.',
    '  --device: the device id the transaction ids are made from; its profile, code page and terminal id come from the config.',
    '  --json: { "transactions": [ { ...Transaction, "validation": { "status", "problems" } } ], "unparsed": [ { "receipt", "problems" } ] }.',
  ].join('\n'),
  async run(ctx) {
    const parsed = parseCommandArgs({
      args: ctx.argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        profile: { type: 'string' },
        device: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const { values, positionals } = parsed;
    if (values.help) {
      ctx.stdout.write(command.usage + '\n');
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(`parse takes one file (or "-"), got ${positionals.length}; usage:\n${command.usage}`);
    const deviceId = values.device ?? 'cli';
    const settings = deviceSettings(ctx, deviceId, values.device !== undefined);
    let profile: Profile;
    try {
      profile = loadProfile(values.profile ?? settings.profile);
    } catch (err) {
      if (err instanceof ProfileError) throw new UsageError(err.message);
      throw err;
    }
    const source = positionals[0]!;
    const bytes = await readInput(ctx, source);
    const capturedAt = source === '-' ? new Date().toISOString() : (await stat(source)).mtime.toISOString();
    // Receipts printed as pictures: their text is read (OCR) first, then parsed like printed text.
    const contextOf = (receipt: DecodedReceipt): ParseContext => ({
      id: transactionId(deviceId, receipt.raw),
      deviceId,
      integration: settings.integration,
      terminalId: settings.terminalId,
      capturedAt,
      profile,
      rawSha256: createHash('sha256').update(receipt.raw).digest('hex'),
      rawBytes: receipt.raw.byteLength,
    });
    const parseRead = (receipt: DecodedReceipt, read: PictureLines): ParseResult => parseReadReceipt(receipt, contextOf(receipt), { engine: OCR_ENGINE, ...read });
    // A picture whose first reading does not parse `ok` is read again, larger (see readPictures).
    const receipts = await readAll(decode(bytes, settings.codepage ? { codepage: canonicalCodepage(settings.codepage) } : undefined), (r) => {
      return readingVerdict(parseRead(r.receipt, r.read));
    });
    const results = receipts.map(({ receipt, read }) => (read ? parseRead(receipt, read) : parseReceipt(receipt, contextOf(receipt))));
    if (values.json) {
      writeJson(ctx.stdout, {
        transactions: results
          .filter((r) => r.transaction)
          .map((r) => ({ ...r.transaction, validation: { status: r.status, problems: r.problems } })),
        unparsed: results.flatMap((r, i) => (r.transaction ? [] : [{ receipt: i + 1, problems: r.problems }])),
      });
      return 0;
    }
    if (results.length === 0) {
      ctx.stdout.write('No receipt in this print job.\n');
      return 0;
    }
    ctx.stdout.write(results.map((r, i) => describe(r, i, results.length)).join('\n\n') + '\n');
    return 0;
  },
};
