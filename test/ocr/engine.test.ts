// A receipt printed as a picture through the running engine: serial pty → journal → reading → OCR → outbox → the sandbox cloud, with source.ocr.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairDevice } from '../../main/cloud/index.js';
import { Bridge, type ReceiptEvent } from '../../main/engine/bridge.js';
import { writeConfigFile } from '../../main/engine/config.js';
import { KeychainVault } from '../../main/vault/index.js';
import { startSandbox, type Sandbox } from '../../sandbox/server.js';
import { lacks } from '../support/platform.js';
import { waitFor } from '../support/wait.js';
import { rasterReceiptJob, renderedCases } from './support.js';

const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING);

describe.runIf(hasKeyring && !lacks('ptys', 'the raster receipt through the engine'))('a receipt printed as a picture through the engine', () => {
  let dir: string;
  let socat: ChildProcess;
  let sandbox: Sandbox;
  let bridge: Bridge | undefined;
  let pos: SerialPort | undefined;
  const service = `tp-test-ocr-engine-${process.pid}`;

  beforeAll(async () => {
    process.env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE = service;
    dir = mkdtempSync(join(tmpdir(), 'tp-ocr-engine-'));
    socat = spawn('socat', [`pty,raw,echo=0,link=${dir}/pos`, `pty,raw,echo=0,link=${dir}/bridge`], { stdio: 'ignore' });
    await waitFor(() => existsSync(`${dir}/pos`) && existsSync(`${dir}/bridge`), 5000, 'socat');
    sandbox = await startSandbox({ port: 0, autoApprove: true, pollIntervalS: 0 });
  });

  afterAll(async () => {
    if (pos?.isOpen) await new Promise<void>((r) => pos!.close(() => r()));
    await bridge?.stop();
    socat?.kill('SIGTERM');
    await sandbox?.close();
    const vault = new KeychainVault(service);
    for (const name of ['database-key', 'refresh-token', 'signing-secret', 'cloud-agent']) await vault.delete(name);
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows as reading at once, then is read and goes on as a text receipt would (accepted with source.ocr, or review)', async () => {
    const dataDir = join(dir, 'data');
    const configFile = join(dataDir, 'config.json');
    writeConfigFile(configFile, {
      cloud: { base_url: sandbox.url },
      batch: { max_items: 10, max_wait_ms: 200 },
      ocr: { workers: 1 },
      devices: [{ id: 'lane-1', kind: 'serial_tap', path: `${dir}/bridge`, baud_rate: 115200, idle_ms: 1000 }],
    });
    const vault = new KeychainVault(service);
    await pairDevice({ baseUrl: sandbox.url, vault, onCode: () => undefined });
    bridge = await Bridge.start({ dataDir, configFile, version: '0.1.0-test', vault, forwarder: { idlePollMs: 200, pairingRecheckMs: 200, heartbeatMs: 60_000 }, updates: false });
    const events: ReceiptEvent[] = [];
    bridge.on('receipt', (e: ReceiptEvent) => events.push(e));

    pos = new SerialPort({ path: `${dir}/pos`, baudRate: 115200 });
    await new Promise<void>((resolve, reject) => pos!.once('open', () => resolve()).once('error', reject));
    const [c] = renderedCases(1602, 1).filter((x) => x.dots === 576 && x.font === 'mono');
    await new Promise<void>((r) => pos!.write(Buffer.from(rasterReceiptJob(c!.bitmap, 'GS v 0')), () => r()));

    await waitFor(() => events.some((e) => e.state === 'reading'), 20_000, 'the receipt shown as reading');
    expect(bridge.status().outbox.counts.reading).toBe(1);
    await waitFor(() => events.some((e) => e.state === 'accepted' || e.state === 'review'), 120_000, 'the receipt read and then accepted or held for review');
    const id = events.find((e) => e.state === 'reading')!.id;
    const row = bridge.store.get(id)!;
    expect(row.transaction!.source.ocr?.engine).toBe('tesseract');
    if (row.state === 'accepted') {
      expect(sandbox.state.transactions[id]?.accepted).toBe(1);
      expect(events.map((e) => e.state)).toEqual(expect.arrayContaining(['reading', 'pending', 'accepted']));
    } else {
      expect(row.state).toBe('review');
      expect(row.problems.length).toBeGreaterThan(0);
    }
    expect(bridge.status().outbox.counts.reading).toBe(0);
  }, 180_000);
});
