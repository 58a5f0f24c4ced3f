// The `decode` CLI command: plain and JSON output, standard input, code page option and usage errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { command, RECEIPT_SEPARATOR } from '../../main/cli/decode.js';
import { UsageError, type CommandContext } from '../../main/cli/command.js';
import { CORPUS_DIR } from './corpus-files.js';

const dir = mkdtempSync(join(tmpdir(), 'escpos-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], stdin: Uint8Array = new Uint8Array(0)): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  stderr.on('data', (c: Buffer) => errChunks.push(c));
  const ctx: CommandContext = {
    argv,
    dataDir: dir,
    configFile: join(dir, 'config.json'),
    env: {},
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout,
    stderr,
  };
  const code = await command.run(ctx);
  return { code, out: Buffer.concat(chunks).toString('utf8'), err: Buffer.concat(errChunks).toString('utf8') };
}

const twoReceipts = Buffer.from('\x1b@Hello\n\x1dV\x00\x1b@World\n\x1b\x74\x13\xd5 5\n\x1dVA\x03', 'latin1');

describe('taxpoynt-bridge decode', () => {
  it('prints each receipt text, separated by a line of "="', async () => {
    const file = join(dir, 'two.bin');
    writeFileSync(file, twoReceipts);
    const { code, out } = await run([file]);
    expect(code).toBe(0);
    expect(out).toBe(`Hello\n${RECEIPT_SEPARATOR}\nWorld\n€ 5\n`);
    expect(/^=+$/.test(RECEIPT_SEPARATOR)).toBe(true);
  });

  it('--json prints receipts with lines, end, qr, barcodes and warnings', async () => {
    const { code, out } = await run(['-', '--json'], twoReceipts);
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as { receipts: { lines: string[]; end: string; qr: string[]; barcodes: unknown[]; warnings: unknown[] }[] };
    expect(parsed.receipts.map((r) => [r.lines, r.end])).toEqual([
      [['Hello'], 'cut'],
      [['World', '€ 5'], 'cut'],
    ]);
    expect(parsed.receipts[0]).toMatchObject({ qr: [], barcodes: [], warnings: [] });
  });

  it('reads a corpus file and honours --codepage', async () => {
    const { out } = await run([join(CORPUS_DIR, 'thermal/retail.bin')]);
    expect(out).toContain('Thanks for visiting');
    const latin = await run(['-', '--codepage', 'iso-8859-15'], Buffer.from('\xa4 1\n', 'latin1'));
    expect(latin.out).toBe('€ 1\n');
  });

  it('an unknown code page, a missing file or extra arguments are usage errors', async () => {
    await expect(run(['-', '--codepage', 'EBCDIC'])).rejects.toThrow(UsageError);
    await expect(run(['-', '--codepage', 'EBCDIC'])).rejects.toThrow(/Unknown code page "EBCDIC"/);
    await expect(run([join(dir, 'missing.bin')])).rejects.toThrow(/no such file/);
    await expect(run([])).rejects.toThrow(UsageError);
    await expect(run(['a', 'b'])).rejects.toThrow(UsageError);
    await expect(run(['--bogus', 'x'])).rejects.toThrow(UsageError);
  });

  it('says what a job that is not a receipt is', async () => {
    const tspl = Buffer.from('SIZE 60 mm, 40 mm\r\nGAP 2 mm, 0\r\nCLS\r\nTEXT 10,10,"3",0,1,1,"Hi"\r\nPRINT 1\r\n');
    const { code, out } = await run(['-'], tspl);
    expect(code).toBe(0);
    expect(out).toBe('[this is a TSPL label job, not a receipt]\n');
    const json = JSON.parse((await run(['-', '--json'], tspl)).out) as { receipts: { lines: string[]; notReceipt: unknown }[] };
    expect(json.receipts).toEqual([expect.objectContaining({ lines: [], notReceipt: { language: 'TSPL', reason: 'this is a TSPL label job, not a receipt' } })]);
  });

  it('wraps long lines at the paper columns (--columns), while --json keeps the logical line', async () => {
    const long = 'Jollof rice with chicken and plantain, large  3,500.00';
    const bytes = Buffer.from(`\x1b@${long}\n\x1dV\x00`, 'latin1');
    expect((await run(['-'], bytes)).out).toBe(`${long.slice(0, 48)}\n${long.slice(48)}\n`);
    expect((await run(['-', '--columns', '32'], bytes)).out).toBe(`${long.slice(0, 32)}\n${long.slice(32)}\n`);
    expect((JSON.parse((await run(['-', '--json', '--columns', '32'], bytes)).out) as { receipts: { lines: string[] }[] }).receipts[0]?.lines).toEqual([long]);
    await expect(run(['-', '--columns', 'wide'], bytes)).rejects.toThrow(/--columns wants a whole number/);
  });

  it('tells which code page reads garbled text, on standard error', async () => {
    const bytes = Buffer.concat([Buffer.from('\x1b@', 'latin1'), Buffer.from('Café crème 1,500.00\n'), Buffer.from('\x1dV\x00', 'latin1')]);
    const { out, err } = await run(['-'], bytes);
    expect(out).toContain('├⌐');
    expect(err).toMatch(/^receipt 1: .*set this device's code page to UTF-8/);
    const fixed = await run(['-', '--codepage', 'UTF-8'], bytes);
    expect([fixed.out, fixed.err]).toEqual(['Café crème 1,500.00\n', '']);
  });

  it('--help prints the usage', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('decode <file|-> [--json] [--codepage NAME] [--columns N]');
  });
});
