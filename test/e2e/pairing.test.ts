// Pairing end to end in the app: code, link and QR shown with a countdown, approved at the sandbox cloud, merchant and TIN shown, unpair asks first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openApp, seriousViolations, screenshot, serveRenderer } from './harness.js';
import { hasKeyring, startEngine, startWorld, type World } from './engine.js';

describe.runIf(hasKeyring)('pairing in the app', () => {
  let world: World;
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveRenderer>>;

  beforeAll(async () => {
    world = await startWorld('pairing', { business: { business_id: 'biz_e2e', business_name: 'Mama Cass Kitchen, Ikeja', tin: '12345678-0001', location_name: 'Allen Avenue, Ikeja' } });
    await startEngine(world);
    server = await serveRenderer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await world?.cleanup();
  });

  it('shows the code large with its link, QR and countdown; once approved, the merchant name and TIN; unpair asks first', async () => {
    const app = await openApp(browser, server.url, world.engine!.dispatcher, { hash: 'pairing' });
    const { page } = app;
    await page.getByRole('button', { name: 'Start pairing' }).click();
    const code = page.getByTestId('user-code');
    await code.waitFor();
    const userCode = (await code.textContent())!.trim();
    expect(userCode).toMatch(/^[A-Z0-9]{4}-?[A-Z0-9]{4}$/);
    // Large enough to read across a counter.
    expect(await code.evaluate((el) => parseFloat((globalThis as unknown as { getComputedStyle: (e: unknown) => { fontSize: string } }).getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(40);
    await expect.poll(() => page.getByTestId('countdown').textContent()).toMatch(/Expires in \d+m/);
    await expect.poll(() => page.getByRole('img', { name: /QR code for/ }).count()).toBe(1);
    const link = page.getByRole('link', { name: /http:\/\/127\.0\.0\.1/ });
    expect(await link.getAttribute('href')).toContain(userCode);
    await screenshot(page, 'pairing');
    expect(await seriousViolations(page)).toEqual([]);

    expect(world.sandbox.approve(userCode)).toBe(true);
    await page.getByTestId('paired-merchant').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('paired-merchant').textContent()).toBe('Mama Cass Kitchen, Ikeja');
    expect(await page.getByTestId('paired-tin').textContent()).toBe('12345678-0001');
    expect(await seriousViolations(page)).toEqual([]);

    // Unpair asks first; keeping the pairing changes nothing.
    await page.getByRole('button', { name: 'Unpair this computer' }).click();
    const dialog = page.getByRole('dialog', { name: 'Unpair this computer?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Mama Cass Kitchen, Ikeja');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByTestId('paired-merchant').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Unpair this computer' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Unpair', exact: true }).click();
    await page.getByRole('button', { name: 'Start pairing' }).waitFor();
    expect(app.problems).toEqual([]);
    await app.close();
  });
});

describe.runIf(hasKeyring)('a pairing code nobody approves', () => {
  let world: World;
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveRenderer>>;

  beforeAll(async () => {
    world = await startWorld('expiry', { deviceCodeTtlS: 3 });
    await startEngine(world);
    server = await serveRenderer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await world?.cleanup();
  });

  it('expires with what to do next, and a new code can be asked for', async () => {
    const app = await openApp(browser, server.url, world.engine!.dispatcher, { hash: 'pairing' });
    const { page } = app;
    await page.getByRole('button', { name: 'Start pairing' }).click();
    const first = (await page.getByTestId('user-code').textContent())!.trim();
    const outcome = page.getByTestId('pairing-outcome');
    await outcome.waitFor({ timeout: 20_000 });
    expect(await outcome.textContent()).toMatch(/expired/i);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Start again' }).click();
    await expect.poll(async () => (await page.getByTestId('user-code').textContent())?.trim()).not.toBe(first);
    await app.close();
  });
});
