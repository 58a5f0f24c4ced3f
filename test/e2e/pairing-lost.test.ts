// A pairing revoked at TaxPoynt, as the app shows it: status screen and tray say "Pairing lost" (after a restart too), the
// pairing screen pairs again without unpairing first, and the receipts captured meanwhile go out once, after approval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusView } from '../../preload/api.js';
import { trayModel } from '../../main/engine/tray.js';
import { go, openApp, screenshot, seriousViolations, waitFor } from './harness.js';
import { hasKeyring, printTo, seeded, type World } from './engine.js';
import { goodReceipt } from './receipts.js';
import { startTillApp, type TillApp } from './till-app.js';
import { lacks } from '../support/platform.js';

describe.runIf(hasKeyring && !lacks('ptys', 'the pairing-lost app test'))('a lost pairing in the app', () => {
  let app0: TillApp;
  let world: World;

  beforeAll(async () => {
    app0 = await startTillApp('lost', { business: { business_id: 'biz_lost', business_name: 'Iya Basira Foods', tin: '22334455-0001', location_name: 'Yaba' } });
    world = app0.world;
  });
  afterAll(async () => {
    await app0?.close();
  });

  const status = async () => StatusView.parse(await world.engine!.dispatcher.invoke('status', {}));

  it('says it on the status screen and in the tray, and the pairing screen pairs again; what waited is accepted once', async () => {
    const api = () => world.engine!.dispatcher;
    // Paired through the app, first receipt accepted.
    const started = (await api().invoke('pairing.start', {})) as { userCode: string };
    expect(world.sandbox.approve(started.userCode)).toBe(true);
    await waitFor(async () => (await status()).cloud.paired, 15_000, 'the first pairing');
    await printTo(app0.pty.pos, goodReceipt(seeded(1)).bytes);
    await waitFor(async () => (await status()).outbox.counts.accepted === 1, 15_000, 'the first receipt accepted');

    // Revoked in the dashboard; two receipts printed meanwhile.
    world.sandbox.revokeAgent();
    await printTo(app0.pty.pos, goodReceipt(seeded(2)).bytes);
    await printTo(app0.pty.pos, goodReceipt(seeded(3)).bytes);
    await waitFor(async () => (await status()).cloud.state === 'pairing_lost', 15_000, 'the engine to find the pairing lost');
    await waitFor(async () => (await status()).outbox.pending === 2, 15_000, 'two receipts waiting');

    // Restarted, it knows at once: the keychain remembers.
    await world.engine!.restart();
    const s = await status();
    expect(s.cloud.state).toBe('pairing_lost');
    expect(s.state).toBe('attention');
    expect(s.headline).toMatch(/^Pairing lost: .*Pair again from the Pairing screen\. 2 receipt\(s\) are kept/);
    expect(s.alerts.find((a) => a.code === 'pairing_lost')?.message).toMatch(/^Pairing lost: .*Iya Basira Foods.*run `taxpoynt-bridge pair`/);
    const tray = trayModel(s);
    expect(tray.state).toBe('attention');
    expect(tray.tooltip).toMatch(/^TaxPoynt POS Bridge: Pairing lost/);
    expect(tray.menu.find((i) => i.id === 'pair')).toMatchObject({ label: 'Pairing lost: pair again…', enabled: true });

    const app = await openApp(app0.browser, app0.server.url, api(), { hash: 'status' });
    const { page } = app;
    await page.getByTestId('headline').filter({ hasText: 'Pairing lost' }).waitFor();
    expect(await page.getByTestId('status-screen').textContent()).toContain('Pairing lost');
    await screenshot(page, 'pairing-lost-status');
    expect(await seriousViolations(page)).toEqual([]);

    // The pairing screen offers to pair again (no "Paired with", no unpair needed first).
    await page.getByTestId('pair-again').click();
    await page.getByTestId('pairing-lost').waitFor();
    expect(await page.getByTestId('pairing-lost').textContent()).toMatch(/Iya Basira Foods.*2 receipts kept meanwhile go out once the new pairing is approved/);
    expect(await page.getByTestId('paired-merchant').count()).toBe(0);
    await screenshot(page, 'pairing-lost-pairing');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Pair again' }).click();
    const code = page.getByTestId('user-code');
    await code.waitFor();
    expect(world.sandbox.approve((await code.textContent())!.trim())).toBe(true);
    await page.getByTestId('paired-merchant').waitFor({ timeout: 15_000 });

    await waitFor(async () => (await status()).outbox.counts.accepted === 3, 20_000, 'the two kept receipts accepted');
    const after = await status();
    expect(after.cloud.state).not.toBe('pairing_lost');
    expect(after.alerts.some((a) => a.code === 'pairing_lost')).toBe(false);
    expect(trayModel(after).menu.find((i) => i.id === 'pair')).toMatchObject({ label: 'Paired with Iya Basira Foods', enabled: false });
    expect(Object.keys(world.sandbox.state.transactions)).toHaveLength(3);
    expect(world.sandbox.duplicatesAccepted()).toEqual([]);
    await go(page, 'status');
    await page.getByTestId('headline').filter({ hasNotText: 'Pairing lost' }).waitFor();
    expect(app.problems).toEqual([]);
    await app.close();
  }, 120_000);
});
