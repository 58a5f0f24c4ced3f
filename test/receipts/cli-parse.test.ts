// `taxpoynt-bridge parse`: print jobs from a file or stdin, --json shape, --profile, --device settings from the config, errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { command } from '../../main/cli/parse.js';
import { UsageError } from '../../main/cli/command.js';
import { findPans, transactionId } from '../../main/receipts/index.js';
import { printReceipt, randomReceiptSpec, type ReceiptSpec } from '../../sandbox/receipt-printer.js';

const dir = mkdtempSync(join(tmpdir(), 'taxpoynt-cli-parse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
}

function spec(layout: ReceiptSpec['layout'], seed: number, over: Partial<ReceiptSpec> = {}): ReceiptSpec {
  return { ...randomReceiptSpec(rng(seed)), layout, ...over };
}

async function run(argv: string[], stdin: Uint8Array = new Uint8Array(), configFile = join(dir, 'none.json')) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await command.run({ argv, dataDir: dir, configFile, env: {}, stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr });
  return { code, out, err };
}

const cardSpec = spec('supermarket', 5, { payments: [] });
cardSpec.payments = [{ method: 'card', amount: cardSpec.total, pan: '4111111111111111', panPrinted: 'full' }];
const job = Buffer.concat([printReceipt(cardSpec, 'supermarket'), printReceipt(spec('restaurant', 8), 'restaurant')]);
const jobFile = join(dir, 'job.bin');
writeFileSync(jobFile, job);

describe('parse command', () => {
  it('prints each receipt of a print job with its validation', async () => {
    const { code, out } = await run([jobFile]);
    expect(code).toBe(0);
    expect(out).toMatch(/^Receipt 1 of 2: OK/m);
    expect(out).toMatch(/^Receipt 2 of 2: OK/m);
    expect(out).toContain(`sale ${cardSpec.receiptNumber}`);
    expect(out).toContain('validation: ok, it adds up');
    expect(out).toContain('(card ending 1111)');
    expect(findPans(out)).toEqual([]);
  });

  it('--json prints { transactions: [ ...Transaction, validation ] } with ids from the device id and the bytes', async () => {
    const { out } = await run([jobFile, '--json', '--device', 'till-7']);
    const body = JSON.parse(out) as { transactions: Array<Record<string, unknown> & { validation: { status: string; problems: unknown[] } }>; unparsed: unknown[] };
    expect(body.transactions).toHaveLength(2);
    expect(body.transactions[0]!.validation).toEqual({ status: 'ok', problems: [] });
    expect(body.transactions[0]!.receipt_number).toBe(cardSpec.receiptNumber);
    expect(body.transactions[0]!.id).toBe(transactionId('till-7', printReceipt(cardSpec, 'supermarket')));
    expect((body.transactions[0]!.source as { device_id: string }).device_id).toBe('till-7');
    expect(body.unparsed).toEqual([]);
    expect(out).not.toContain('4111 1111 1111 1111');
  });

  it('reads the job from standard input with "-"', async () => {
    const { code, out } = await run(['-', '--json'], job);
    expect(code).toBe(0);
    expect((JSON.parse(out) as { transactions: unknown[] }).transactions).toHaveLength(2);
  });

  it('lists what could not be read as unparsed, with the reason', async () => {
    const z = Buffer.from('\x1b@Z REPORT #12\nNet Sales   1,000.00\n\x1dV\x00', 'latin1');
    const { out } = await run(['-', '--json'], z);
    expect(JSON.parse(out)).toEqual({ transactions: [], unparsed: [{ receipt: 1, problems: [expect.objectContaining({ code: 'not_a_receipt' })] }] });
  });

  it('uses --profile NAME or FILE, and the device\'s profile and terminal id from the config', async () => {
    const us = Buffer.from('\x1b@Chk 2231\n11/04/2026 8:30 PM\n1 Steak   20,000.00\nSUBTOTAL   20,000.00\nVAT 7.5%   1,500.00\nTOTAL   21,500.00\nVISA   21,500.00\n\x1dV\x00', 'latin1');
    const issued = async (argv: string[], config?: string): Promise<Record<string, unknown>> =>
      (JSON.parse((await run(['-', '--json', ...argv], us, config)).out) as { transactions: Array<Record<string, unknown>> }).transactions[0]!;
    expect((await issued([])).issued_at).toBe('2026-04-11T20:30:00+01:00');
    expect((await issued(['--profile', 'us-dates@1'])).issued_at).toBe('2026-11-04T20:30:00+01:00');
    const profileFile = join(dir, 'mine.json');
    writeFileSync(profileFile, JSON.stringify({ name: 'mine', version: 2, extends: 'generic@1', dates: { order: 'mdy' } }));
    expect((await issued(['--profile', profileFile])).source).toMatchObject({ profile: 'mine@2' });
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ devices: [{ id: 'bar-1', kind: 'virtual_printer', listen: { tcp: '127.0.0.1:9100' }, profile: 'us-dates@1', terminal_id: 'BAR-LANE' }] }));
    const tx = await issued(['--device', 'bar-1'], config);
    expect(tx.issued_at).toBe('2026-11-04T20:30:00+01:00');
    expect(tx.terminal_id).toBe('BAR-LANE');
  });

  it('says which rule is wrong when the profile cannot be used, and rejects bad arguments', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'bad', version: 1, extends: 'generic@1', labels: { total: ['(('] } }));
    await expect(run([jobFile, '--profile', bad])).rejects.toThrow(/labels\.total\[0\]: not a valid regular expression/);
    await expect(run([jobFile, '--profile', 'nosuch@1'])).rejects.toBeInstanceOf(UsageError);
    await expect(run([])).rejects.toBeInstanceOf(UsageError);
    await expect(run([jobFile, '--colour'])).rejects.toBeInstanceOf(UsageError);
    await expect(run([join(dir, 'missing.bin')])).rejects.toThrow(/no such file/);
  });
});

describe('parse command: what Nigerian receipts print besides VAT', () => {
  const conventions = join(process.cwd(), 'test/fixtures/receipts/conventions/tuning');

  it('shows service charge, VAT and consumption tax apart, and the tip, on a restaurant bill', async () => {
    const { code, out } = await run([join(conventions, 't02-restaurant-sc-vat-ct-tip-cash.txt')]);
    expect(code).toBe(0);
    expect(out).toMatch(/^Receipt 1 of 1: OK/m);
    expect(out).toContain('  subtotal 38100.00  service charge 3810.00  tax 5048.25 (VAT 3143.25, consumption tax 1905.00)  tip 2000.00  total 48958.25 NGN');
    expect(out).toContain('  tax: consumption tax standard 5% of 38100.00 = 1905.00');
  });

  it('says the prices include VAT and shows the rounding line, so the printed sum comes to the total', async () => {
    const { out } = await run([join(conventions, 't11-inclusive-vat-included-rounding-ussd.txt')]);
    expect(out).toContain('  subtotal 10600.40  rounding -0.40  total 10600.00 NGN');
    expect(out).toContain('  prices include VAT (tax_inclusive): the total contains tax 739.56');
    expect(out).toContain('  tax: VAT standard 7.5% of 9860.84 = 739.56 (included in the prices)');
    // An exclusive receipt never claims it.
    expect((await run([join(conventions, 't05-discount-rounding-negative.txt')])).out).not.toContain('tax_inclusive');
  });
});
