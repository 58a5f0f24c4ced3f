// Device set-up and receipts in the app over a real pty: add a serial tap, print, watch the preview then the IRN; a receipt that does not add up is held with its reason, a profile fix and reprocess send it on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { pairDevice } from '../../main/cloud/index.js';
import { KeychainVault } from '../../main/vault/index.js';
import { go, launchBrowser, openApp, serveRenderer, type AppPage } from './harness.js';
import { hasKeyring, printTo, ptyPair, seeded, startEngine, startWorld, type Pty, type World } from './engine.js';
import { goodReceipt, svcFeeReceipt, SVC_FEE_PROFILE } from './receipts.js';
import { lacks } from '../support/platform.js';

describe.runIf(hasKeyring && !lacks('ptys', 'the app capture tests'))('devices and receipts in the app', () => {
  let world: World;
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveRenderer>>;
  let pty: Pty;
  let app: AppPage;
  const rng = seeded(2026);

  beforeAll(async () => {
    world = await startWorld('capture', { autoApprove: true });
    pty = await ptyPair(world.dir, 'till');
    world.ptys.push(pty);
    await pairDevice({ baseUrl: world.sandbox.url, vault: new KeychainVault(world.service), onCode: () => undefined });
    await startEngine(world);
    server = await serveRenderer();
    browser = await launchBrowser();
    app = await openApp(browser, server.url, world.engine!.dispatcher, { hash: 'devices' });
  });
  afterAll(async () => {
    await app?.close();
    await browser?.close();
    await server?.close();
    await world?.cleanup();
  });

  it('adds a serial tap on a pty (auto baud, test), shows the printed receipt as paper beside its transaction, then accepted with an IRN', async () => {
    const { page } = app;
    await page.getByText('No devices yet').waitFor();
    await page.getByRole('button', { name: 'Add device' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a device' });
    await dialog.getByLabel('Name').fill('till-1');
    await dialog.getByLabel('Serial port').fill(pty.bridge);
    // Auto-detect listens while the till prints.
    await dialog.getByRole('button', { name: 'Detect now' }).click();
    await dialog.getByText('Listening… print something on the till now.').waitFor();
    for (let i = 0; i < 3; i++) await printTo(pty.pos, goodReceipt(seeded(99 + i)).bytes);
    await expect.poll(() => dialog.getByTestId('autobaud-result').textContent(), { timeout: 20_000 }).toMatch(/Found \d+ baud|Not found yet/);
    await dialog.getByLabel('Baud rate').selectOption('9600');
    await dialog.getByRole('button', { name: 'Save device' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('device-till-1').waitFor();
    await page.getByText('Waiting for the first receipt').waitFor();
    await page.getByRole('button', { name: 'Test till-1' }).click();
    await expect.poll(() => page.getByTestId('device-till-1').getByRole('status').textContent(), { timeout: 10_000 }).toMatch(/Test (passed|failed)/);

    const { spec, bytes } = goodReceipt(rng);
    await printTo(pty.pos, bytes);
    const preview = page.getByTestId('live-preview');
    await preview.getByTestId('paper').getByText(spec.shop.name).waitFor({ timeout: 15_000 });
    await preview.getByTestId('validation-ok').waitFor();
    expect(await preview.textContent()).toContain(spec.receiptNumber);
    await expect.poll(() => preview.getByTestId('receipt-state').textContent(), { timeout: 20_000 }).toBe('Accepted');
    const irn = await preview.getByTestId('receipt-irn').textContent();
    expect(irn).toBeTruthy();
    expect(Object.values(world.sandbox.state.transactions).some((t) => t.irn === irn)).toBe(true);
  });

  it('a receipt that does not add up is held for review with its reason; a profile fix and reprocess send it on', async () => {
    const { page } = app;
    const { spec, bytes } = svcFeeReceipt(rng);
    await printTo(pty.pos, bytes);
    const preview = page.getByTestId('live-preview');
    await expect.poll(() => preview.getByTestId('receipt-state').textContent(), { timeout: 15_000 }).toBe('Needs review');
    expect(await preview.getByTestId('validation-problems').textContent()).toMatch(/VAT|total/i);

    await go(page, 'receipts');
    await page.getByLabel('Show').selectOption('review');
    const row = page.getByRole('row').filter({ hasText: spec.receiptNumber });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/Needs review.*(VAT|total)/);
    expect(world.sandbox.state.transactions[await rowId(page, spec.receiptNumber)]).toBeUndefined();

    // The fix: a profile that reads "Svc Fee" as a service charge, tried on the captured receipts before saving.
    await go(page, 'profiles');
    await page.getByRole('button', { name: /generic@1/ }).click();
    const editor = page.getByTestId('profile-editor');
    await expect.poll(() => editor.inputValue()).toContain('"generic"');
    await editor.fill('{ "name": "shop", ');
    await page.getByTestId('profile-issues').getByText(/Not valid JSON/).waitFor();
    await editor.fill(SVC_FEE_PROFILE);
    await page.getByLabel('Save as (name@version)').fill('shop@1');
    const tried = page.getByTestId('profile-try').getByRole('row').filter({ hasText: spec.receiptNumber });
    await expect.poll(() => tried.textContent(), { timeout: 10_000 }).toMatch(/Needs review.*Parses/);
    await page.getByRole('button', { name: 'Save as shop@1' }).click();
    await page.getByRole('button', { name: /shop@1/ }).first().waitFor();

    await go(page, 'receipts');
    await page.getByLabel('Show').selectOption('review');
    await page.getByRole('row').filter({ hasText: spec.receiptNumber }).click();
    const detail = page.getByTestId('receipt-detail');
    await detail.getByTestId('validation-problems').waitFor();
    await detail.getByLabel('Read it with').selectOption('shop@1');
    await detail.getByRole('button', { name: 'Reprocess' }).click();
    await expect.poll(() => detail.getByTestId('receipt-state').textContent(), { timeout: 20_000 }).toBe('Accepted');
    await detail.getByTestId('validation-ok').waitFor();
    const id = await rowId(page, spec.receiptNumber);
    expect(world.sandbox.state.transactions[id]?.accepted).toBe(1);
    expect(app.problems).toEqual([]);
  });

  async function rowId(_page: unknown, receiptNumber: string): Promise<string> {
    const list = (await world.engine!.dispatcher.invoke('receipts.list', { receiptNumber })) as { rows: Array<{ id: string }> };
    return list.rows[0]!.id;
  }
});
