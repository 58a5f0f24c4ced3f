// Chaos: 5,000 transactions in the real encrypted store, forwarded through the sandbox with every fault on at once while the
// bridge is SIGKILLed and restarted; the sandbox must hold every transaction exactly once and the outbox must agree.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pairDevice } from '../../main/cloud/index.js';
import { openStore } from '../../main/store/index.js';
import { Logger } from '../../main/telemetry/log.js';
import { KeychainVault } from '../../main/vault/index.js';
import { startSandbox, type Sandbox } from '../../sandbox/server.js';
import { makeTransaction } from './memory-queue.js';

const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING || process.env.GNOME_KEYRING_CONTROL);
const driver = join(process.cwd(), 'dist', 'sandbox', 'chaos-bridge.js');
const TOTAL = 5000;
const KILLS = 5;

describe.runIf(hasKeyring)('chaos: every fault at once, SIGKILL and restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tp-cloud-chaos-'));
  const service = `${process.env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE ?? 'tp-test'}-chaos-${process.pid}`;
  let sandbox: Sandbox | null = null;
  let child: ChildProcess | null = null;

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await sandbox?.close();
    const vault = new KeychainVault(service);
    for (const name of ['database-key', 'refresh-token', 'signing-secret', 'cloud-agent']) await vault.delete(name).catch(() => false);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('5,000 transactions: zero lost, zero accepted twice, and the outbox agrees with the cloud', { timeout: 120_000 }, async () => {
    expect(existsSync(driver), `${driver} is missing: run \`npm run build\` first`).toBe(true);
    sandbox = await startSandbox({
      pollIntervalS: 0,
      seed: 7,
      faults: {
        rateLimit: { limit: 40, windowS: 1 },
        fail5xxRate: 0.08,
        resetRate: 0.08,
        delayMs: 5,
        tokenTtlS: 40,
        clockSkewS: 900,
        maxBatchItems: 60,
        rejectRate: 0.01,
        malformedMarker: 'MALFORMED',
      },
    });
    const vault = new KeychainVault(service);
    const log = new Logger({ file: join(dataDir, 'logs', 'bridge.log'), level: 'info' });
    await pairDevice({ baseUrl: sandbox.url, vault, log, onCode: (code) => sandbox!.approve(code.user_code) });

    // Capture 5,000 receipts into the real store (journal first, then the parsed transaction), ten of them malformed.
    const store = await openStore({ dataDir, vault, log });
    const ids: string[] = [];
    for (let start = 0; start < TOTAL; start += 500) {
      const jobs = Array.from({ length: 500 }, (_, k) => {
        const n = start + k;
        return { deviceId: 'till-1', integration: 'escpos_tcp' as const, bytes: Buffer.from(`\x1b@RECEIPT ${n}\n`), capturedAt: new Date().toISOString() };
      });
      const results = store.journalBatch(jobs);
      store.recordParseBatch(
        results.map((r, k) => {
          const n = start + k;
          const tx = makeTransaction(n, n % 500 === 17 ? { id: r.id, receipt_number: `MALFORMED-${n}` } : { id: r.id });
          return { id: r.id, state: 'pending' as const, transaction: tx, problems: [] };
        }),
      );
      ids.push(...results.map((r) => r.id));
    }
    expect(store.counts().pending).toBe(TOTAL);
    store.close();

    const env = { ...process.env, TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE: service };
    const runBridge = () => {
      const c = spawn(process.execPath, [driver, '--data-dir', dataDir, '--url', sandbox!.url], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));
      return { c, exited, out: () => out };
    };

    // Kill it mid-flight several times, flipping the kill switch and the legacy envelope on the way.
    for (let k = 0; k < KILLS; k++) {
      const run = runBridge();
      child = run.c;
      // Wait until this run is really sending (start-up opens the keychain and SQLCipher), then kill it mid-flight.
      const before = sandbox.state.counters.batch_requests;
      const deadline = Date.now() + 20_000;
      while (sandbox.state.counters.batch_requests < before + 4 && Date.now() < deadline && run.c.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (k === 1) sandbox.faults.agentDisabled = true;
      if (k === 2) sandbox.faults.agentDisabled = false;
      if (k === 3) sandbox.faults.legacyErrors = true;
      await new Promise((resolve) => setTimeout(resolve, 100 + ((k * 397) % 600)));
      run.c.kill('SIGKILL');
      await run.exited;
    }
    sandbox.faults.agentDisabled = false;
    const last = runBridge();
    child = last.c;
    const code = await Promise.race([last.exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 70_000))]);
    expect(code, last.out()).toBe(0);

    // The cloud: nothing accepted twice, nothing lost.
    expect(sandbox.duplicatesAccepted()).toEqual([]);
    const cloud = sandbox.state.transactions;
    const reopened = await openStore({ dataDir, vault, log });
    try {
      const counts = reopened.counts();
      expect(counts.pending + counts.in_flight).toBe(0);
      let accepted = 0;
      for (const id of ids) {
        const row = reopened.get(id)!;
        const atCloud = cloud[id];
        if (row.state === 'accepted' || row.state === 'duplicate') {
          accepted++;
          expect(atCloud?.accepted, id).toBe(1);
          expect(row.irn).toBe(atCloud!.irn);
        } else {
          expect(row.state, id).toBe('rejected');
          expect(atCloud?.accepted ?? 0).toBe(0);
          expect(row.problems.length).toBeGreaterThan(0);
        }
      }
      expect(accepted).toBeGreaterThan(TOTAL * 0.97);
      expect(reopened.list({ state: 'rejected', limit: 1000 }).filter((r) => r.transaction?.receipt_number.startsWith('MALFORMED'))).toHaveLength(10);
      // Every fault really happened.
      const c = sandbox.state.counters;
      expect(c.resets).toBeGreaterThan(0);
      expect(c.by_status['503']).toBeGreaterThan(0);
      expect(c.by_status['413']).toBeGreaterThan(0);
      expect(c.by_status['400']).toBeGreaterThan(0);
      expect(c.by_status['401']).toBeGreaterThan(0);
      expect(c.by_status['403']).toBeGreaterThan(0);
      expect(c.batch_requests).toBeGreaterThan(TOTAL / 60);
    } finally {
      reopened.close();
    }
  });
});
