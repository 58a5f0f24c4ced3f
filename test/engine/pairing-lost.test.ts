// A pairing revoked at TaxPoynt, as the merchant meets it through the CLI: `run` says so, `status` says so, `pair` pairs
// again without --force, and the receipts captured meanwhile are accepted once, after the new pairing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeConfigFile } from '../../main/engine/config.js';
import { KeychainVault } from '../../main/vault/index.js';
import { printReceipt, randomReceiptSpec } from '../../sandbox/receipt-printer.js';
import { startSandbox, type Sandbox } from '../../sandbox/server.js';
import { lacks } from '../support/platform.js';
import { freePort, printOverTcp, startCli as start, type CliProcess as Proc } from '../support/processes.js';
import { seeded, waitFor } from '../support/wait.js';

const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING);

/** The till prints one receipt to the bridge's virtual printer and hangs up. */
function printTo(port: number, seed: number, receiptNumber: string): Promise<void> {
  return printOverTcp(port, printReceipt({ ...randomReceiptSpec(seeded(seed)), receiptNumber, layout: 'supermarket', documentType: 'sale' }));
}

describe.runIf(hasKeyring && !lacks('signals', 'the pairing-lost CLI tests'))('a lost pairing, through the CLI', () => {
  let dir: string;
  let sandbox: Sandbox;
  let port: number;
  const service = `tp-test-lost-${process.pid}`;
  const env = () => ({ TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE: service, TAXPOYNT_BRIDGE_DATA_DIR: dir, TAXPOYNT_BRIDGE_CLOUD_URL: sandbox.url });
  const running: Proc[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-lost-'));
    sandbox = await startSandbox({ port: 0, pollIntervalS: 0 });
    port = await freePort();
    writeConfigFile(join(dir, 'config.json'), {
      batch: { max_items: 10, max_wait_ms: 100 },
      devices: [{ id: 'lane-1', kind: 'virtual_printer', listen: { tcp: `127.0.0.1:${port}` }, printer: null, idle_ms: 300 }],
    });
  });
  afterAll(async () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all(running.map((p) => p.exited));
    await sandbox.close();
    const vault = new KeychainVault(service);
    for (const name of ['database-key', 'refresh-token', 'signing-secret', 'cloud-agent', 'pairing-lost']) await vault.delete(name).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  /** `pair --no-qr`, approving the code it shows the way the merchant would in the dashboard. */
  async function pair(args: string[] = []): Promise<Proc> {
    const p = start(['pair', '--no-qr', ...args], env());
    await waitFor(() => /enter the code\s+([A-Z]{4}-[A-Z]{4})/.test(p.stdout()) || p.child.exitCode !== null, 20_000, 'pair to show a code');
    const code = /enter the code\s+([A-Z]{4}-[A-Z]{4})/.exec(p.stdout())?.[1];
    if (code) expect(sandbox.approve(code)).toBe(true);
    await p.exited;
    return p;
  }

  async function runEngine(): Promise<Proc> {
    const p = start(['run'], env());
    running.push(p);
    await waitFor(() => p.stdout().includes('running (pid'), 20_000, 'run to start');
    // The listener is up once the lane device reports it; printing before that would be refused.
    await waitFor(async () => statusJson().then((s) => s.engine?.devices.some((d: { status: string }) => d.status === 'listening') ?? false), 20_000, 'the virtual printer to listen');
    return p;
  }

  async function statusJson() {
    const p = start(['status', '--json'], env());
    expect(await p.exited).toBe(0);
    return JSON.parse(p.stdout());
  }

  async function stop(p: Proc): Promise<void> {
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }

  it('run right after pair does not say "not paired"', async () => {
    const paired = await pair();
    expect(paired.stdout()).toContain('Paired with Mama Put Kitchen Ltd');
    const run = await runEngine();
    await printTo(port, 1, 'R-0001');
    await printTo(port, 2, 'R-0002');
    await waitFor(() => (run.stdout().match(/accepted IRN/g) ?? []).length === 2, 20_000, 'two receipts accepted');
    expect(run.stdout()).not.toContain('Not paired');
    await stop(run);
  });

  it('revoked in the dashboard: run, status and a restarted run say "Pairing lost"; pair again without --force sends what waited, once', async () => {
    let run = await runEngine();
    expect(sandbox.revokeAgent()).toHaveLength(1);
    for (let i = 3; i <= 5; i++) await printTo(port, i, `R-000${i}`);
    // run says it on stderr as it happens.
    await waitFor(() => /alert: Pairing lost: .*run `taxpoynt-bridge pair`/.test(run.stderr()), 20_000, 'run to say the pairing is lost');
    await waitFor(async () => (await statusJson()).outbox.pending === 3, 20_000, 'three receipts waiting');

    const json = await statusJson();
    expect(json.paired).toBeNull();
    expect(json.pairing_lost).toMatchObject({ business_name: 'Mama Put Kitchen Ltd' });
    expect(json.alerts.filter((a: { code: string }) => a.code === 'pairing_lost')).toHaveLength(1);
    expect(json.alerts.find((a: { code: string }) => a.code === 'pairing_lost').message).toMatch(/^Pairing lost: .*run `taxpoynt-bridge pair`/);
    const text = start(['status'], env());
    await text.exited;
    expect(text.stdout()).toMatch(/Paired: +no — pairing lost since .* \(was Mama Put Kitchen Ltd\): run `taxpoynt-bridge pair`/);
    expect(text.stdout()).toMatch(/Alert: +Pairing lost: /);

    // Restarted, the engine knows at once (the keychain remembers), before any receipt or request.
    await stop(run);
    run = await runEngine();
    await waitFor(() => run.stderr().includes('alert: Pairing lost'), 10_000, 'the restarted run to say the pairing is lost');
    expect(run.stdout()).not.toContain('Not paired');
    expect((await statusJson()).engine.cloud.state).toBe('pairing_lost');

    // Pairing again needs no --force; the running engine picks it up and sends the three kept receipts.
    const again = await pair();
    expect(again.stdout()).toMatch(/The pairing with Mama Put Kitchen Ltd .*was lost on .*: pairing again/);
    expect(again.stdout()).toContain('Paired with Mama Put Kitchen Ltd');
    await waitFor(() => (run.stdout().match(/accepted IRN/g) ?? []).length === 3, 40_000, 'the three kept receipts accepted after pairing again');
    expect(run.stdout()).toContain('Paired again with Mama Put Kitchen Ltd: sending the 3 receipt(s) kept meanwhile.');
    const after = await statusJson();
    expect(after.pairing_lost).toBeNull();
    expect(after.paired).toMatchObject({ business_name: 'Mama Put Kitchen Ltd' });
    expect(after.alerts.some((a: { code: string }) => a.code === 'pairing_lost')).toBe(false);
    expect(after.outbox).toMatchObject({ pending: 0, in_flight: 0, accepted: 5 });
    await stop(run);

    const state = sandbox.state;
    expect(Object.keys(state.transactions)).toHaveLength(5);
    expect(sandbox.duplicatesAccepted()).toEqual([]);
    expect(Object.values(state.transactions).every((t) => t.accepted === 1)).toBe(true);
    // And pair now refuses as before: the new pairing is alive.
    const refused = start(['pair', '--no-qr'], env());
    await refused.exited;
    expect(refused.stdout()).toContain('Already paired with Mama Put Kitchen Ltd');
  }, 150_000);
});
