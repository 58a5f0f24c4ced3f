// A card payment from the terminal (ECR, STX…ETX with LRC on a pty) is joined to the receipt the till printed (a serial tap on another pty).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../support/wait.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { frame } from '../../main/capture/index.js';
import { Bridge } from '../../main/engine/bridge.js';
import { writeConfigFile } from '../../main/engine/config.js';
import type { PaymentJoin } from '../../main/engine/payments.js';
import { KeychainVault } from '../../main/vault/index.js';
import { printReceipt, randomReceiptSpec } from '../../sandbox/receipt-printer.js';
import { lacks } from '../support/platform.js';

const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING);


async function open(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 9600 });
  await new Promise<void>((resolve, reject) => port.once('open', () => resolve()).once('error', reject));
  return port;
}

describe.runIf(hasKeyring && !lacks('ptys', 'the payment join tests'))('payment terminal joined to the receipt', () => {
  let dir: string;
  const procs: ChildProcess[] = [];
  const ports: SerialPort[] = [];
  let bridge: Bridge | undefined;
  const service = `tp-test-payjoin-${process.pid}`;

  beforeEach(async () => {
    process.env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE = service;
    dir = mkdtempSync(join(tmpdir(), 'tp-payjoin-'));
    for (const name of ['till', 'ecr']) {
      procs.push(spawn('socat', [`pty,raw,echo=0,link=${dir}/${name}-a`, `pty,raw,echo=0,link=${dir}/${name}-b`], { stdio: 'ignore' }));
    }
    await waitFor(() => ['till-a', 'till-b', 'ecr-a', 'ecr-b'].every((f) => existsSync(join(dir, f))), 5000, 'socat');
  });

  afterEach(async () => {
    for (const p of ports.splice(0)) if (p.isOpen) await new Promise<void>((r) => p.close(() => r()));
    await bridge?.stop();
    bridge = undefined;
    for (const p of procs.splice(0)) p.kill('SIGTERM');
    await new KeychainVault(service).delete('database-key');
    rmSync(dir, { recursive: true, force: true });
  });

  it('pay on the terminal, then print: the payment joins the receipt by amount and time, card masked', async () => {
    const dataDir = join(dir, 'data');
    const configFile = join(dataDir, 'config.json');
    writeConfigFile(configFile, {
      cloud: { base_url: 'http://127.0.0.1:9' },
      devices: [
        { id: 'lane-1', kind: 'serial_tap', path: `${dir}/till-b`, baud_rate: 9600, idle_ms: 500 },
        { id: 'pinpad', kind: 'ecr_serial', path: `${dir}/ecr-b`, baud_rate: 9600 },
      ],
    });
    bridge = await Bridge.start({ dataDir, configFile, version: '0.1.0-test', updates: false });
    const joins: PaymentJoin[] = [];
    bridge.on('payment', (j: PaymentJoin) => joins.push(j));

    let seed = 11;
    const spec = randomReceiptSpec(() => ((seed = (seed * 16807) % 2147483647) / 2147483647));
    const ecr = await open(`${dir}/ecr-a`);
    const till = await open(`${dir}/till-a`);
    ports.push(ecr, till);
    const total = (spec.total / 100).toFixed(2);
    ecr.write(Buffer.from(frame(`AMOUNT=${total}|STATUS=APPROVED|AUTH=Q7W8E9|PAN=5399 8312 3456 7895`)));
    await new Promise((r) => setTimeout(r, 300));
    till.write(Buffer.from(printReceipt(spec)));

    await waitFor(() => joins.length === 1, 15_000, 'the payment to join its receipt');
    const row = bridge.store.get(joins[0]!.receiptId)!;
    expect(row.transaction?.receipt_number).toBe(spec.receiptNumber);
    expect(joins[0]).toMatchObject({ terminalDevice: 'pinpad', receiptDevice: 'lane-1', amountKobo: spec.total, cardLast4: '7895', approvalCode: 'Q7W8E9' });
    await bridge.stop();
    bridge = undefined;
    const log = readFileSync(join(dataDir, 'logs', 'bridge.log'), 'utf8');
    expect(log).toContain('payment joined to its receipt');
    expect(log).not.toContain('5399831234567895');
    expect(log).not.toContain('5399 8312 3456 7895');
  });
});
