// The cloud goes away: the status says offline while the outbox grows; it comes back on the same address with the same state and the outbox drains, each receipt accepted once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { pairDevice } from '../../main/cloud/index.js';
import { KeychainVault } from '../../main/vault/index.js';
import { launchBrowser, openApp, screenshot, serveRenderer, waitFor, type AppPage } from './harness.js';
import { hasKeyring, printTo, ptyPair, seeded, startEngine, startWorld, type Pty, type World } from './engine.js';
import { goodReceipt } from './receipts.js';
import { lacks } from '../support/platform.js';

describe.runIf(hasKeyring && !lacks('ptys', 'the app offline tests'))('the cloud goes away and comes back', () => {
  let world: World;
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveRenderer>>;
  let pty: Pty;
  let app: AppPage;

  beforeAll(async () => {
    world = await startWorld('offline', { autoApprove: true });
    pty = await ptyPair(world.dir, 'till');
    world.ptys.push(pty);
    await pairDevice({ baseUrl: world.sandbox.url, vault: new KeychainVault(world.service), onCode: () => undefined });
    await startEngine(world, [{ id: 'till-1', kind: 'serial_tap', path: pty.bridge, baud_rate: 9600, idle_ms: 400 }]);
    server = await serveRenderer();
    browser = await launchBrowser();
    app = await openApp(browser, server.url, world.engine!.dispatcher, { hash: 'status' });
  });
  afterAll(async () => {
    await app?.close();
    await browser?.close();
    await server?.close();
    await world?.cleanup();
  });

  it('says offline while receipts queue, then drains them when the cloud is back', async () => {
    const { page } = app;
    const rng = seeded(5);
    await printTo(pty.pos, goodReceipt(rng).bytes);
    await expect.poll(() => page.getByTestId('cloud-state').textContent(), { timeout: 15_000 }).toBe('Up to date');
    await waitFor(() => world.engine!.bridge.store.counts().accepted === 1, 15_000, 'the first receipt accepted');

    await world.cloudDown();
    for (let i = 0; i < 3; i++) await printTo(pty.pos, goodReceipt(rng).bytes);
    await expect.poll(() => page.getByTestId('outbox-pending').textContent(), { timeout: 15_000 }).toBe('3');
    await expect.poll(() => page.getByTestId('cloud-state').textContent(), { timeout: 20_000 }).toBe('Offline');
    expect(await page.getByTestId('overall-label').textContent()).toBe('Offline');
    await screenshot(page, 'offline/status-offline');
    await printTo(pty.pos, goodReceipt(rng).bytes);
    await expect.poll(() => page.getByTestId('outbox-pending').textContent(), { timeout: 10_000 }).toBe('4');

    await world.cloudUp();
    await expect.poll(() => page.getByTestId('outbox-pending').textContent(), { timeout: 45_000, interval: 250 }).toBe('0');
    await expect.poll(() => page.getByTestId('cloud-state').textContent(), { timeout: 10_000 }).toBe('Up to date');
    const accepted = Object.values(world.sandbox.state.transactions).filter((t) => t.accepted === 1);
    expect(accepted).toHaveLength(5);
    expect(world.sandbox.duplicatesAccepted()).toEqual([]);
    expect(app.problems).toEqual([]);
  }, 90_000);
});
