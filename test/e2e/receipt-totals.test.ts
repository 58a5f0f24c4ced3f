// The receipt's transaction in the app shows what Nigerian receipts print besides VAT: service charge, consumption tax,
// tip, rounding, and prices that include VAT; receipts printed on a real pty, read by a real engine, shown in Chromium.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { go, openApp, ROOT, screenshot, seriousViolations, waitFor } from './harness.js';
import { hasKeyring, printTo } from './engine.js';
import { startTillApp, type TillApp } from './till-app.js';
import { lacks } from '../support/platform.js';

const CONVENTIONS = join(ROOT, 'test/fixtures/receipts/conventions/tuning');

/** A conventions fixture as the till prints it: initialise, the text, a cut. */
function printed(name: string): Uint8Array {
  return Buffer.concat([Buffer.from('\x1b@'), readFileSync(join(CONVENTIONS, name)), Buffer.from('\n\n\x1dV\x00')]);
}

describe.runIf(hasKeyring && !lacks('ptys', 'the receipt totals app test'))('a receipt\'s totals in the app', () => {
  let till: TillApp;

  beforeAll(async () => {
    till = await startTillApp('totals');
  });
  afterAll(async () => {
    await till?.close();
  });

  it('shows service charge, VAT and consumption tax apart, the tip, the rounding, and says when prices include VAT', async () => {
    await printTo(till.pty.pos, printed('t02-restaurant-sc-vat-ct-tip-cash.txt'));
    await printTo(till.pty.pos, printed('t11-inclusive-vat-included-rounding-ussd.txt'));
    await waitFor(async () => ((await till.world.engine!.dispatcher.invoke('receipts.list', {})) as { rows: unknown[] }).rows.length === 2, 15_000, 'two receipts captured');
    const app = await openApp(till.browser, till.server.url, till.world.engine!.dispatcher, { hash: 'status' });
    const { page } = app;
    await go(page, 'receipts');
    const detail = page.getByTestId('receipt-detail');

    await page.getByRole('row').filter({ hasText: '0007731' }).first().click();
    await detail.getByRole('tab', { name: 'Transaction' }).click();
    const restaurant = detail.getByRole('tabpanel');
    await restaurant.getByText('Service charge').waitFor();
    const taxes = await detail.getByTestId('tx-tax').allTextContents();
    expect(taxes.map((t) => t.replace(/\s+/g, ' '))).toEqual(['VAT 7.5%₦3,143.25', 'Consumption tax 5%₦1,905.00']);
    expect(await detail.getByTestId('tx-tip').textContent()).toBe('₦2,000.00');
    expect(await detail.getByTestId('tx-rounding').count()).toBe(0);
    expect(await detail.getByTestId('tx-inclusive').count()).toBe(0);
    expect(await restaurant.textContent()).toContain('₦3,810.00');
    await screenshot(page, 'receipt-totals-restaurant');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('row').filter({ hasText: 'CR-YB-22981' }).first().click();
    await detail.getByRole('tab', { name: 'Transaction' }).click();
    await detail.getByTestId('tx-inclusive').waitFor();
    expect(await detail.getByTestId('tx-inclusive').textContent()).toBe('Prices include VAT: the total contains');
    expect(await detail.getByTestId('tx-rounding').textContent()).toBe('-₦0.40');
    expect((await detail.getByTestId('tx-tax').allTextContents()).map((t) => t.replace(/\s+/g, ' '))).toEqual(['VAT 7.5%₦739.56']);
    await screenshot(page, 'receipt-totals-inclusive');
    expect(await seriousViolations(page)).toEqual([]);
    expect(app.problems).toEqual([]);
    await app.close();
  });
});
