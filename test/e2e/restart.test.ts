// The engine child killed -9 under the app: the status shows restarting, then all good again, and every receipt captured before the kill is there and accepted exactly once.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { pairDevice } from '../../main/cloud/index.js';
import { EngineHost, nodeForkEngine } from '../../main/engine/host.js';
import { KeychainVault } from '../../main/vault/index.js';
import { launchBrowser, openApp, ROOT, screenshot, serveRenderer, waitFor, type ApiTarget, type AppPage } from './harness.js';
import { engineConfig, hasKeyring, printTo, ptyPair, seeded, startWorld, type Pty, type World } from './engine.js';
import { goodReceipt } from './receipts.js';
import { lacks } from '../support/platform.js';

const childEntry = join(ROOT, 'dist/main/engine/child.js');

describe.runIf(hasKeyring && !lacks('ptys', 'the app restart tests'))('the engine child is killed under the app', () => {
  let world: World;
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveRenderer>>;
  let pty: Pty;
  let host: EngineHost;
  let app: AppPage;

  beforeAll(async () => {
    expect(existsSync(childEntry), 'run `npm run build` first: the host forks dist/main/engine/child.js').toBe(true);
    world = await startWorld('restart', { autoApprove: true });
    pty = await ptyPair(world.dir, 'till');
    world.ptys.push(pty);
    await pairDevice({ baseUrl: world.sandbox.url, vault: new KeychainVault(world.service), onCode: () => undefined });
    const { dataDir, configFile } = engineConfig(world, [{ id: 'till-1', kind: 'serial_tap', path: pty.bridge, baud_rate: 9600, idle_ms: 400 }]);
    const options = { dataDir, configFile, version: '0.1.0-e2e', forwarder: { idlePollMs: 150, pairingRecheckMs: 200 }, statusIntervalMs: 200, exec: [process.execPath] };
    host = new EngineHost({ fork: nodeForkEngine(childEntry, [JSON.stringify(options)]), stopTimeoutMs: 10_000 });
    host.start();
    await host.whenReady();
    server = await serveRenderer();
    browser = await launchBrowser();
    app = await openApp(browser, server.url, host as unknown as ApiTarget, { hash: 'status' });
  });
  afterAll(async () => {
    await app?.close();
    await browser?.close();
    await server?.close();
    await host?.stop();
    await world?.cleanup();
  });

  it('shows restarting, then all good, and nothing is lost', async () => {
    const { page } = app;
    const rng = seeded(77);
    const before: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = goodReceipt(rng);
      before.push(r.spec.receiptNumber);
      await printTo(pty.pos, r.bytes);
    }
    await expect.poll(() => page.getByTestId('today-receipts').textContent(), { timeout: 15_000 }).toBe('3');
    await expect.poll(() => page.getByTestId('overall-label').textContent(), { timeout: 15_000 }).toBe('All good');

    const firstPid = host.pid!;
    process.kill(firstPid, 'SIGKILL');
    await expect.poll(() => page.getByTestId('overall-label').textContent(), { timeout: 5_000, interval: 50 }).toBe('Restarting');
    await screenshot(page, 'restart/status-restarting');
    await host.whenReady();
    expect(host.pid).not.toBe(firstPid);
    await expect.poll(() => page.getByTestId('overall-label').textContent(), { timeout: 15_000 }).toBe('All good');

    // The restarted engine captures and sends as before.
    const after: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = goodReceipt(rng);
      after.push(r.spec.receiptNumber);
      await printTo(pty.pos, r.bytes);
    }
    await expect.poll(() => page.getByTestId('today-receipts').textContent(), { timeout: 15_000 }).toBe('5');
    await waitFor(() => Object.values(world.sandbox.state.transactions).filter((t) => t.accepted === 1).length === 5, 20_000, 'five receipts accepted at the cloud');
    expect(world.sandbox.duplicatesAccepted()).toEqual([]);
    const list = (await host.invoke('receipts.list', { limit: 100 })) as { rows: Array<{ receiptNumber: string; state: string }> };
    expect(list.rows.map((r) => r.receiptNumber).sort()).toEqual([...before, ...after].sort());
    expect(list.rows.every((r) => r.state === 'accepted')).toBe(true);
    // A request made while the engine was down failed with a message; nothing else went wrong in the page.
    expect(app.problems.filter((p) => !/restarting/i.test(p))).toEqual([]);
  }, 60_000);
});
