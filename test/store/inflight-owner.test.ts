// Only the process holding the data-dir lock returns in-flight rows to pending: `status` run beside a working engine only reads.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pairDevice } from '../../main/cloud/index.js';
import { Bridge } from '../../main/engine/bridge.js';
import { writeConfigFile } from '../../main/engine/config.js';
import { ingestJob } from '../../main/engine/pipeline.js';
import { KeychainVault } from '../../main/vault/index.js';
import { startSandbox, type Sandbox } from '../../sandbox/server.js';
import { waitFor } from '../support/wait.js';
import { receiptJob } from './receipt.js';

const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING);
const cli = join(process.cwd(), 'dist', 'main', 'cli.js');

/** `taxpoynt-bridge status --json` in a process of its own, as a merchant or a monitoring script runs it. */
function status(dataDir: string, service: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'status', '--json'], { env: { ...process.env, TAXPOYNT_BRIDGE_DATA_DIR: dataDir, TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE: service } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe.runIf(hasKeyring)('a second process beside the running engine', () => {
  let dir: string;
  let sandbox: Sandbox;
  let bridge: Bridge | undefined;
  const service = `tp-test-inflight-${process.pid}`;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-inflight-'));
    // A slow cloud: each batch answer takes 2 s, so rows stay in flight while `status` runs.
    sandbox = await startSandbox({ port: 0, autoApprove: true, pollIntervalS: 0, faults: { delayMs: 2000 } });
  });

  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    await sandbox.close();
    const vault = new KeychainVault(service);
    for (const name of ['database-key', 'refresh-token', 'signing-secret', 'cloud-agent']) await vault.delete(name);
    rmSync(dir, { recursive: true, force: true });
  });

  it('status --json while rows are in flight re-sends nothing and writes no false "restarted while sending" history', async () => {
    const dataDir = join(dir, 'data');
    const configFile = join(dataDir, 'config.json');
    writeConfigFile(configFile, { cloud: { base_url: sandbox.url }, batch: { max_items: 4, max_wait_ms: 50 }, devices: [] });
    const vault = new KeychainVault(service);
    await pairDevice({ baseUrl: sandbox.url, vault, onCode: () => undefined });
    bridge = await Bridge.start({ dataDir, configFile, version: '0.1.0-test', vault, updates: false, forwarder: { idlePollMs: 100, pairingRecheckMs: 200, heartbeatMs: 60_000 } });

    const ids = Array.from({ length: 12 }, (_, i) => {
      const out = ingestJob(bridge!.store, { deviceId: 'till-1', integration: 'escpos_serial', bytes: receiptJob({ number: `88${i}` }), capturedAt: new Date().toISOString() });
      return out.receipts[0]!.id;
    });
    void bridge.syncNow();

    let whileInFlight = 0;
    for (let round = 0; round < 20 && bridge.store.counts().accepted < ids.length; round++) {
      await waitFor(() => bridge!.store.counts().in_flight > 0 || bridge!.store.counts().accepted === ids.length, 20_000, 'a batch in flight');
      const inFlight = bridge.store.counts().in_flight;
      const out = await status(dataDir, service);
      expect(out.code, out.out).toBe(0);
      if (inFlight > 0) whileInFlight++;
    }
    expect(whileInFlight).toBeGreaterThan(0);
    await waitFor(() => bridge!.store.counts().accepted === ids.length, 60_000, 'every receipt accepted');

    for (const id of ids) {
      expect(sandbox.state.transactions[id]?.arrivals, `${id} reached the cloud once`).toBe(1);
      expect(bridge.store.history(id).map((h) => h.note)).not.toContain('bridge restarted while sending');
      expect(bridge.store.history(id).map((h) => `${h.from}→${h.to}`)).toEqual(['pending→in_flight', 'in_flight→accepted']);
    }
  }, 120_000);
});
