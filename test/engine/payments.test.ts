// Payment-terminal messages joined to receipts by amount and time, in either order, never guessed when ambiguous.
import { describe, expect, it } from 'vitest';
import { PaymentMatcher, kobo } from '../../main/engine/payments.js';

const T0 = Date.parse('2026-11-26T12:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const pay = (amountKobo: number, s: number, approved = true) => ({ deviceId: 'pinpad', amountKobo, approved, cardLast4: '4242', approvalCode: 'A1B2C3', at: at(s) });

describe('payment matcher', () => {
  it('pay first, print after: the waiting payment joins the receipt when it is stored', () => {
    const m = new PaymentMatcher();
    expect(m.payment(pay(537_500, 0), T0)).toBeNull();
    const joined = m.receipt({ id: 'tx_a', deviceId: 'lane-1', totalKobo: 537_500, capturedAt: at(20) }, T0 + 20_000);
    expect(joined).toMatchObject({ receiptId: 'tx_a', terminalDevice: 'pinpad', cardLast4: '4242', approvalCode: 'A1B2C3' });
  });

  it('print first, pay after: the payment joins at once', () => {
    const m = new PaymentMatcher();
    expect(m.receipt({ id: 'tx_a', deviceId: 'lane-1', totalKobo: 100_00, capturedAt: at(0) }, T0)).toBeNull();
    expect(m.payment(pay(100_00, 30), T0 + 30_000)?.receiptId).toBe('tx_a');
  });

  it('a different amount, a declined payment or one outside the window joins nothing', () => {
    const m = new PaymentMatcher(60_000);
    m.receipt({ id: 'tx_a', deviceId: 'lane-1', totalKobo: 100_00, capturedAt: at(0) }, T0);
    expect(m.payment(pay(100_01, 5), T0 + 5000)).toBeNull();
    expect(m.payment(pay(100_00, 6, false), T0 + 6000)).toBeNull();
    expect(m.payment(pay(100_00, 600), T0 + 600_000)).toBeNull();
  });

  it('two receipts of the same amount equally close is ambiguous: no join rather than a wrong one', () => {
    const m = new PaymentMatcher();
    m.receipt({ id: 'tx_a', deviceId: 'lane-1', totalKobo: 500_00, capturedAt: at(0) }, T0);
    m.receipt({ id: 'tx_b', deviceId: 'lane-2', totalKobo: 500_00, capturedAt: at(20) }, T0 + 20_000);
    expect(m.payment(pay(500_00, 10), T0 + 20_000)).toBeNull();
  });

  it('a receipt is paid once: a second payment of the same amount does not join it again', () => {
    const m = new PaymentMatcher();
    m.receipt({ id: 'tx_a', deviceId: 'lane-1', totalKobo: 500_00, capturedAt: at(0) }, T0);
    expect(m.payment(pay(500_00, 1), T0 + 1000)?.receiptId).toBe('tx_a');
    expect(m.payment(pay(500_00, 2), T0 + 2000)).toBeNull();
  });

  it('reads totals in kobo exactly', () => {
    expect(kobo('1234.50')).toBe(123_450);
    expect(kobo('0.07')).toBe(7);
    expect(kobo('12.5')).toBeNull();
    expect(kobo(undefined)).toBeNull();
  });
});
