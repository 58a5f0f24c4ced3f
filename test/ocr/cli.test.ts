// `decode --json`, `parse --json` and `ingest` of a job printed as a picture: each command waits for the text read from it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Command } from '../../main/cli/command.js';
import { command as decode } from '../../main/cli/decode.js';
import { command as ingest } from '../../main/cli/ingest.js';
import { command as parse } from '../../main/cli/parse.js';
import { command as queue } from '../../main/cli/queue.js';
import { KeychainVault } from '../../main/vault/index.js';
import { rasterReceiptJob, renderedCases } from './support.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tp-ocr-cli-'));
const env = { ...process.env, TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE: `${process.env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE ?? 'tp-test'}-ocr-cli-${process.pid}` };
afterAll(async () => {
  await new KeychainVault(env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE).delete('database-key').catch(() => false);
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(cmd: Command, argv: string[]): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await cmd.run({ argv, dataDir, configFile: join(dataDir, 'config.json'), env, stdin: new PassThrough(), stdout, stderr });
  return { code, out };
}

const [c] = renderedCases(3303, 1).filter((x) => x.dots === 576 && x.font === 'mono');
const file = join(dataDir, 'raster.bin');
writeFileSync(file, rasterReceiptJob(c!.bitmap, 'GS ( L'));

describe('commands on a job printed as a picture', () => {
  it('decode --json gives the text read from the picture among the lines, and which lines were read with what confidence', async () => {
    const { code, out } = await cli(decode, [file, '--json']);
    expect(code).toBe(0);
    const [receipt] = (JSON.parse(out) as { receipts: Array<{ lines: string[]; pictures: Array<{ source: string; line: number }>; ocr: { pictures: number; confidence: number; lines: Array<{ line: number; confidence: number }> } }> }).receipts;
    expect(receipt!.pictures).toEqual([expect.objectContaining({ source: 'GS ( L', line: 0 })]);
    expect(receipt!.ocr.pictures).toBe(1);
    expect(receipt!.ocr.lines.length).toBe(receipt!.lines.length);
    expect(receipt!.lines.join('\n')).toContain(c!.spec.shop.name.split(' ')[0]!);
    expect(receipt!.ocr.confidence).toBeGreaterThan(0.5);
  });

  it('parse --json reads the picture and parses it into a transaction marked as OCR, or review', async () => {
    const { code, out } = await cli(parse, [file, '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out) as { transactions: Array<{ source: { ocr?: { engine: string } }; validation: { status: string } }> };
    expect(json.transactions).toHaveLength(1);
    expect(json.transactions[0]!.source.ocr?.engine).toBe('tesseract');
    expect(['ok', 'review']).toContain(json.transactions[0]!.validation.status);
  });

  it('ingest stores the job and waits for its text: the state printed is where reading led, never reading', async () => {
    const { code, out } = await cli(ingest, [file, '--device', 'till-raster']);
    expect(code).toBe(0);
    expect(out).toMatch(/^tx_[0-9a-f]{40} (pending|review)\n$/);
    const id = out.split(' ')[0]!;
    const shown = await cli(queue, ['show', id, '--json']);
    const row = JSON.parse(shown.out) as { state: string; transaction: { source: { ocr: unknown } }; history: Array<{ from: string | null; to: string; note: string | null }> };
    expect(row.transaction.source.ocr).toBeDefined();
    expect(row.history.map((h) => h.note)).toContain('text read from the printed picture (OCR)');
  });
});
