// Every screen with a day's realistic data: saved as test-results/screens/<screen>.png at 1366×768, no serious or critical axe violation, fits 800×600, and no secret from the keychain or full card number in any answer, event or the DOM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { pairDevice } from '../../main/cloud/index.js';
import { KeychainVault } from '../../main/vault/index.js';
import { printReceipt, randomReceiptSpec, type ReceiptSpec } from '../../sandbox/receipt-printer.js';
import { go, launchBrowser, openApp, screenshot, seriousViolations, serveRenderer, waitFor, type AppPage } from './harness.js';
import { hasKeyring, printTo, ptyPair, SECRET_NAMES, seeded, startEngine, startWorld, type World } from './engine.js';
import { goodReceipt, svcFeeReceipt } from './receipts.js';
import { lacks } from '../support/platform.js';

const SCREENS = ['status', 'pairing', 'devices', 'receipts', 'profiles', 'settings', 'diagnostics'] as const;

/** A card sale whose old POS software prints the whole card number. */
function fullPanReceipt(rng: () => number): { spec: ReceiptSpec; bytes: Uint8Array; pan: string } {
  for (;;) {
    const spec = randomReceiptSpec(rng);
    const card = spec.payments.find((p) => p.method === 'card' && p.pan);
    if (!card || spec.documentType !== 'sale') continue;
    card.panPrinted = 'full';
    return { spec, bytes: printReceipt(spec), pan: card.pan! };
  }
}

describe.runIf(hasKeyring && !lacks('ptys', 'the screens tests'))('every screen with a day of receipts', () => {
  let world: World;
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveRenderer>>;
  let app: AppPage;
  const secrets: string[] = [];
  let reviewNumber = '';

  beforeAll(async () => {
    world = await startWorld('screens', { autoApprove: true, business: { business_id: 'biz_graceland', business_name: 'Graceland Mart Ltd', tin: '20145678-0001', location_name: 'Allen Avenue, Ikeja' } });
    const tills = [await ptyPair(world.dir, 'till1'), await ptyPair(world.dir, 'till2')];
    world.ptys.push(...tills);
    const vault = new KeychainVault(world.service);
    await pairDevice({ baseUrl: world.sandbox.url, vault, onCode: () => undefined });
    const engine = await startEngine(world, [
      { id: 'front-till', kind: 'serial_tap', path: tills[0]!.bridge, baud_rate: 9600, idle_ms: 400 },
      { id: 'pharmacy-till', kind: 'serial_tap', path: tills[1]!.bridge, baud_rate: 'auto', idle_ms: 400 },
    ]);
    const rng = seeded(42);
    const printed: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = goodReceipt(rng);
      printed.push(r.spec.receiptNumber);
      await printTo(tills[i % 2]!.pos, r.bytes);
    }
    const card = fullPanReceipt(rng);
    secrets.push(card.pan);
    await printTo(tills[0]!.pos, card.bytes);
    const tip = svcFeeReceipt(rng);
    reviewNumber = tip.spec.receiptNumber;
    await printTo(tills[0]!.pos, tip.bytes);
    await waitFor(() => {
      const c = engine.bridge.store.counts();
      return c.accepted + c.duplicate + c.rejected >= 11 && c.review >= 1;
    }, 30_000, 'the day’s receipts to be sent');
    for (const name of SECRET_NAMES) {
      const value = await vault.get(name);
      if (value) secrets.push(value);
    }
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    server = await serveRenderer();
    browser = await launchBrowser();
    app = await openApp(browser, server.url, engine.dispatcher, { hash: 'status' });
  });
  afterAll(async () => {
    await app?.close();
    await browser?.close();
    await server?.close();
    await world?.cleanup();
  });

  async function settle(page: Page, screen: (typeof SCREENS)[number]): Promise<void> {
    await go(page, screen);
    const ready: Record<(typeof SCREENS)[number], () => Promise<unknown>> = {
      status: () => page.getByTestId('device-card-pharmacy-till').waitFor(),
      pairing: () => page.getByTestId('paired-merchant').waitFor(),
      devices: () => page.getByTestId('live-preview').getByTestId('paper').waitFor({ timeout: 10_000 }),
      receipts: async () => {
        await page.getByRole('row').filter({ hasText: reviewNumber }).click();
        await page.getByTestId('receipt-detail').getByTestId('validation-problems').waitFor();
      },
      profiles: () => page.getByTestId('profile-try').waitFor({ timeout: 10_000 }),
      settings: () => page.getByRole('switch', { name: 'Start when this computer starts' }).waitFor(),
      diagnostics: async () => {
        await page.getByTestId('doctor-summary').waitFor({ timeout: 15_000 });
        await page.getByRole('button', { name: 'Export diagnostics' }).click();
        await page.getByTestId('bundle-path').waitFor({ timeout: 15_000 });
      },
    };
    await ready[screen]();
    await page.waitForTimeout(150);
  }

  it('each screen is saved at 1366×768 with no serious or critical accessibility violation', async () => {
    const { page } = app;
    for (const screen of SCREENS) {
      await settle(page, screen);
      if (screen === 'status') expect(await page.getByTestId('today-receipts').textContent()).toMatch(/^1[0-9]$/);
      await screenshot(page, screen);
      const violations = await seriousViolations(page);
      expect({ screen, violations }).toEqual({ screen, violations: [] });
    }
    expect(app.problems).toEqual([]);
  });

  it('each screen fits 800×600: nothing wider than the window, the sidebar keeps its labelled icons', async () => {
    const { page } = app;
    await page.setViewportSize({ width: 800, height: 600 });
    for (const screen of SCREENS) {
      await settle(page, screen);
      const overflow = await page.evaluate(() => {
        const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number }; querySelector: (s: string) => { scrollWidth: number; clientWidth: number } | null } }).document;
        const main = d.querySelector('main')!;
        return { page: d.documentElement.scrollWidth, main: main.scrollWidth - main.clientWidth };
      });
      expect({ screen, overflow }).toEqual({ screen, overflow: { page: 800, main: 0 } });
      await screenshot(page, `small/${screen}`);
    }
    expect(await page.getByRole('link', { name: 'Receipts' }).isVisible()).toBe(true);
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('no secret from the keychain and no full card number appears in any answer, event or the DOM', async () => {
    const { page } = app;
    const doms: string[] = [];
    for (const screen of SCREENS) {
      await settle(page, screen);
      doms.push(await page.content());
    }
    // The receipt with the full card number, opened on every view of the detail panel.
    await go(page, 'receipts');
    const list = (await world.engine!.dispatcher.invoke('receipts.list', {})) as { rows: Array<{ receiptNumber: string | null }> };
    expect(list.rows.length).toBeGreaterThanOrEqual(12);
    for (const tab of ['Transaction', 'Paper', 'History']) {
      for (const row of list.rows.slice(0, 12)) {
        await page.getByRole('row').filter({ hasText: row.receiptNumber ?? '' }).first().click();
        await page.getByTestId('receipt-detail').getByRole('tab', { name: tab }).click();
        doms.push(await page.content());
      }
    }
    const everything = doms.join('\n') + '\n' + app.traffic.join('\n');
    expect(app.traffic.length).toBeGreaterThan(50);
    for (const secret of secrets) {
      expect(everything.includes(secret), `a secret of ${secret.length} characters appeared`).toBe(false);
      if (/^\d{13,19}$/.test(secret)) expect(everything.includes(secret.replace(/(\d{4})(?=\d)/g, '$1 '))).toBe(false);
    }
    // The masked form is what a merchant sees.
    expect(everything).toMatch(/•••• \d{4}|\*{4} \*{4} \*{4} \d{4}/);
  });

  it('works by keyboard: arrow keys move through receipts, Enter opens one, tabs move with arrows, switches toggle with Space', async () => {
    const { page } = app;
    await go(page, 'status');
    await go(page, 'receipts');
    const scroller = page.getByRole('rowgroup', { name: /Receipts: use the arrow keys/ });
    await scroller.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('[role="row"][aria-selected="true"]').getAttribute('aria-rowindex')).toBe('3');
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('receipt-detail');
    await detail.waitFor();
    await detail.getByRole('tab', { name: 'Transaction' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await detail.getByRole('tab', { name: 'Paper' }).getAttribute('aria-selected')).toBe('true');
    await detail.getByRole('region', { name: /as printed/ }).or(detail.getByRole('tabpanel')).first().waitFor();

    await go(page, 'settings');
    const toggle = page.getByRole('switch', { name: 'Start when this computer starts' });
    const was = await toggle.getAttribute('aria-checked');
    await toggle.focus();
    await page.keyboard.press('Space');
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe(was === 'true' ? 'false' : 'true');
    expect(((await world.engine!.dispatcher.invoke('settings.get', {})) as { startAtLogin: boolean }).startAtLogin).toBe(was !== 'true');
    await page.keyboard.press('Space');
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe(was);
    // Updates: the running version and the channel; "Check now" shows the check and what it found (no feed is configured here).
    const updates = page.getByRole('region', { name: 'Updates' });
    await expect.poll(() => updates.getByTestId('update-current').textContent()).toBe('0.1.0-e2e');
    await updates.getByRole('button', { name: 'Check now' }).click();
    await expect.poll(() => updates.getByTestId('update-last-check').textContent()).toContain('set updates.base_url');
    expect(await updates.getByRole('button', { name: /Restart to update/ }).count()).toBe(0);
  });

  it('when the engine does not answer, every screen says so with what to do and a way to try again', async () => {
    await world.engine!.stop();
    const down = await openApp(browser, server.url, world.engine!.dispatcher, { hash: 'status' });
    try {
      for (const screen of SCREENS) {
        await go(down.page, screen);
        const alert = down.page.getByRole('alert').filter({ hasText: /Something went wrong.*stopping/ }).first();
        await alert.waitFor({ timeout: 10_000 });
        expect({ screen, buttons: await alert.getByRole('button', { name: 'Try again' }).count(), text: await alert.textContent() }).toMatchObject({ screen, buttons: 1 });
      }
      await screenshot(down.page, 'errors/diagnostics-engine-down');
    } finally {
      await down.close();
    }
  });
});
