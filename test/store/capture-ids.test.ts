// Live capture over TCP of a print job holding three receipts: the running engine stores three transactions, with the ids `ingest` gives them.
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bridge } from '../../main/engine/bridge.js';
import { writeConfigFile } from '../../main/engine/config.js';
import { transactionId } from '../../main/receipts/transaction.js';
import { KeychainVault } from '../../main/vault/index.js';
import { waitFor } from '../support/wait.js';
import { threeReceiptJob } from './receipt.js';

const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING);

describe.runIf(hasKeyring)('capture of a job holding several receipts', () => {
  let dir: string;
  let bridge: Bridge | undefined;
  const service = `tp-test-capture-ids-${process.pid}`;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-capture-ids-'));
  });
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    await new KeychainVault(service).delete('database-key');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a till printing three receipts in one job to the virtual printer makes three transactions, with the ids ingest gives the same bytes from that lane', async () => {
    const dataDir = join(dir, 'data');
    const configFile = join(dataDir, 'config.json');
    writeConfigFile(configFile, {
      cloud: { base_url: 'http://127.0.0.1:9' },
      devices: [{ id: 'till-1', kind: 'virtual_printer', listen: { tcp: '127.0.0.1:0' }, idle_ms: 5000 }],
    });
    bridge = await Bridge.start({ dataDir, configFile, version: '0.1.0-test', vault: new KeychainVault(service), updates: false });
    await waitFor(() => Boolean(bridge!.status().devices[0]?.endpoint), 10_000, 'the virtual printer to listen');
    const [host, port] = bridge.status().devices[0]!.endpoint!.split(':') as [string, string];

    const { job, receipts } = threeReceiptJob();
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host, port: Number(port) }, () => socket.end(job));
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await waitFor(() => bridge!.store.counts().pending === 3, 20_000, 'three pending transactions');
    // Every lane's jobs carry the device's id (never the till's address): `ingest --device till-1` gives the same ids.
    const rows = bridge.store.list({ state: 'pending' });
    expect(rows.map((r) => r.id)).toEqual(receipts.map((r) => transactionId('till-1', r)));
    expect(rows.map((r) => r.transaction!.source)).toEqual(rows.map(() => expect.objectContaining({ device_id: 'till-1', integration: 'escpos_tcp', address: '127.0.0.1' })));
    expect(rows.map((r) => r.transaction!.receipt_number)).toEqual(['7001', '7002', '7003']);
  }, 60_000);
});
