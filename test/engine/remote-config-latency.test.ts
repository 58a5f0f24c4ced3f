// The kill switch acts within a minute: an engine on its default timings, the sandbox cloud on 127.0.0.1, remote config
// `capture_enabled: false` set at the cloud; the till's next receipt still prints through but is no longer journaled.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pairDevice, REMOTE_CONFIG_POLL_MS } from '../../main/cloud/index.js';
import { Bridge } from '../../main/engine/bridge.js';
import { writeConfigFile } from '../../main/engine/config.js';
import { KeychainVault } from '../../main/vault/index.js';
import { printReceipt, randomReceiptSpec } from '../../sandbox/receipt-printer.js';
import { DEFAULT_REMOTE_CONFIG, startSandbox, type Sandbox } from '../../sandbox/server.js';
import { freePort, printOverTcp } from '../support/processes.js';
import { seeded, waitFor } from '../support/wait.js';

const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING);

function printTo(port: number, seed: number): Promise<void> {
  return printOverTcp(port, printReceipt({ ...randomReceiptSpec(seeded(seed)), layout: 'supermarket', documentType: 'sale' }));
}

describe.runIf(hasKeyring)('remote config reaches a running engine', () => {
  const service = `tp-test-rc-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'tp-rc-'));
  let sandbox: Sandbox | undefined;
  let bridge: Bridge | undefined;

  afterAll(async () => {
    await bridge?.stop();
    await sandbox?.close();
    const vault = new KeychainVault(service);
    for (const name of ['database-key', 'refresh-token', 'signing-secret', 'cloud-agent', 'pairing-lost']) await vault.delete(name).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the kill switch (capture_enabled: false) takes effect within a minute on the default poll', async () => {
    expect(REMOTE_CONFIG_POLL_MS).toBeLessThanOrEqual(60_000);
    sandbox = await startSandbox({ port: 0, pollIntervalS: 0 });
    const vault = new KeychainVault(service);
    await pairDevice({ baseUrl: sandbox.url, vault, onCode: (code) => sandbox!.approve(code.user_code) });
    const port = await freePort();
    const configFile = join(dir, 'config.json');
    writeConfigFile(configFile, {
      cloud: { base_url: sandbox.url },
      devices: [{ id: 'lane-1', kind: 'virtual_printer', listen: { tcp: `127.0.0.1:${port}` }, printer: null, idle_ms: 300 }],
    });
    // Default forwarder timings: the engine as `run` starts it.
    bridge = await Bridge.start({ dataDir: join(dir, 'data'), configFile, version: '0.1.0-test', vault, updates: false });
    const b = bridge;
    await waitFor(() => sandbox!.state.counters.config_polls >= 1, 10_000, 'the first config poll');
    await waitFor(() => b.status().devices.some((d) => d.status === 'listening'), 10_000, 'the virtual printer to listen');
    await printTo(port, 1);
    await waitFor(() => b.store.counts().accepted === 1, 15_000, 'the first receipt accepted');

    const changedAt = Date.now();
    sandbox.setRemoteConfig({ ...DEFAULT_REMOTE_CONFIG, version: 2, flags: { ...DEFAULT_REMOTE_CONFIG.flags, capture_enabled: false } });
    await waitFor(() => b.status().capturePaused, 60_000, 'capture to stop after the kill switch');
    const tookMs = Date.now() - changedAt;
    expect(tookMs).toBeLessThan(60_000);
    console.log(`kill switch took effect ${tookMs} ms after the cloud changed it (poll every ${REMOTE_CONFIG_POLL_MS} ms)`);
    await printTo(port, 2);
    await new Promise((r) => setTimeout(r, 1000));
    expect(b.store.counts().accepted + b.store.counts().pending + b.store.counts().in_flight).toBe(1);
  }, 90_000);
});
