// `ingest` and `queue` as a user runs them: exit codes, printed ids and states, JSON, retry and reprocess.
import { PassThrough } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { command as ingest } from '../../main/cli/ingest.js';
import { command as queue } from '../../main/cli/queue.js';
import { KeychainVault } from '../../main/vault/index.js';
import { transactionId } from '../../main/receipts/transaction.js';
import { receiptJob, threeReceiptJob } from './receipt.js';

let dataDir: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'tp-store-cli-'));
  env = { ...process.env, TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE: `${process.env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE ?? 'tp-test'}-cli-${process.pid}-${Math.random().toString(36).slice(2, 8)}` };
});
afterEach(async () => {
  await new KeychainVault(env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE).delete('database-key').catch(() => false);
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(cmd: typeof ingest, argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const input = new PassThrough();
  input.end(stdin);
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  let code: number;
  try {
    code = await cmd.run({ argv, dataDir, configFile: join(dataDir, 'config.json'), env, stdin: input, stdout, stderr });
  } catch (e) {
    code = -1;
    err += (e as Error).message;
  }
  return { code, out, err };
}

describe('ingest and queue commands', () => {
  it('ingest prints the transaction id and state, and the same file twice is stored once', async () => {
    const file = join(dataDir, 'job.bin');
    writeFileSync(file, receiptJob({ number: '5501' }));
    const first = await cli(ingest, [file, '--device', 'till-1']);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^tx_[0-9a-f]{40} pending\n$/);
    const second = await cli(ingest, [file, '--device', 'till-1']);
    expect(second.out).toBe(first.out.replace('\n', ' (already stored)\n'));
    const fromStdin = await cli(ingest, ['-', '--device', 'till-1', '--json'], 'not a receipt');
    expect(JSON.parse(fromStdin.out)).toMatchObject({ receipts: [{ state: 'unparsed', duplicate: false }] });
  });

  it('ingest of a job holding three receipts prints one line per receipt, with the ids capture gives them; queue reprocess takes any one', async () => {
    const { job, receipts } = threeReceiptJob();
    const ids = receipts.map((r) => transactionId('till-1', r));
    const file = join(dataDir, 'three.bin');
    writeFileSync(file, job);
    const first = await cli(ingest, [file, '--device', 'till-1', '--profile', 'missing-profile@1']);
    expect(first).toMatchObject({ code: 0, out: ids.map((id) => `${id} unparsed\n`).join('') });
    const second = await cli(ingest, [file, '--device', 'till-1']);
    expect(second.out).toBe(ids.map((id) => `${id} unparsed (already stored)\n`).join(''));
    const again = await cli(queue, ['reprocess', ids[2]!, '--profile', 'generic@1']);
    expect(again).toMatchObject({ code: 0, out: `${ids[2]} pending\n` });
    const shown = JSON.parse((await cli(queue, ['show', ids[2]!, '--json'])).out) as { transaction: { receipt_number: string } };
    expect(shown.transaction.receipt_number).toBe('7003');
    const listed = JSON.parse((await cli(queue, ['--json'])).out) as { counts: Record<string, number> };
    expect(listed.counts).toMatchObject({ unparsed: 2, pending: 1 });
  });

  it('ingest refuses a missing --device or an unknown integration with a usage message', async () => {
    expect((await cli(ingest, ['x.bin'])).err).toMatch(/--device ID is required/);
    expect((await cli(ingest, ['x.bin', '--device', 'd', '--integration', 'fax'])).err).toMatch(/--integration must be one of/);
  });

  it('queue lists by state, shows history, refuses to retry an unparsed job and reprocesses it in place', async () => {
    const bad = await cli(ingest, ['-', '--device', 'till-2', '--profile', 'missing-profile@1', '--json'], receiptJob({ number: '7777' }).toString('latin1'));
    const [{ id }] = (JSON.parse(bad.out) as { receipts: Array<{ id: string }> }).receipts as [{ id: string }];
    const list = await cli(queue, ['--state', 'unparsed', '--json']);
    const listed = JSON.parse(list.out) as { counts: Record<string, number>; transactions: Array<{ id: string; state: string }> };
    expect(listed.counts.unparsed).toBe(1);
    expect(listed.transactions.map((t) => t.id)).toEqual([id]);
    const table = await cli(queue, []);
    expect(table.out).toMatch(/^ID\s+STATE\s+DEVICE/);
    expect(table.out).toContain(`${id}  unparsed  till-2`);
    const retry = await cli(queue, ['retry', id]);
    expect(retry.code).toBe(-1);
    expect(retry.err).toMatch(/queue reprocess/);
    const again = await cli(queue, ['reprocess', id, '--profile', 'generic@1']);
    expect(again).toMatchObject({ code: 0, out: `${id} pending\n` });
    const shown = await cli(queue, ['show', id, '--json']);
    expect(JSON.parse(shown.out)).toMatchObject({ id, state: 'pending', history: [{ from: 'unparsed', to: 'pending' }] });
    expect((await cli(queue, ['--state', 'lost'])).err).toMatch(/--state must be one of/);
  });
});
