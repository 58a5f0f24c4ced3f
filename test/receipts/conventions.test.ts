// Receipts in the conventions Nigerian shops print (VAT-inclusive, service charge, consumption tax, tips, rounding, zero/exempt, split payments): read right, or held with the reason.
import { describe, expect, it } from 'vitest';
import { corpusMismatches, loadCorpus, parseCorpusReceipt, scoreCorpus } from '../../bench/receipt-corpus.js';
import { findPans, parseReceipt, validateProfile, loadProfile } from '../../main/receipts/index.js';
import { contextFor, receiptOf } from './decoded.js';

const tuning = loadCorpus('tuning');

describe('receipts in Nigerian conventions (tuning part of the corpus)', () => {
  it.each(tuning.map((r) => [r.name, r] as const))('%s is read as its expected transaction', (_name, r) => {
    expect(corpusMismatches(parseCorpusReceipt(r.text), r.expected)).toEqual([]);
  });
});

describe('receipts in Nigerian conventions (held-out part)', () => {
  it('has at least 40 receipts in all, 20 of them held out', () => {
    expect(tuning.length + loadCorpus('heldout').length).toBeGreaterThanOrEqual(40);
    expect(loadCorpus('heldout').length).toBeGreaterThanOrEqual(20);
  });

  it('reads at least 95 % right and ok, and never sends a wrong reading as ok', () => {
    const score = scoreCorpus('heldout');
    console.log(`conventions held-out: ${score.right}/${score.receipts} read right; held instead: ${score.held.length ? '\n  ' + score.held.join('\n  ') : 'none'}`);
    expect(score.wrongOk).toEqual([]);
    expect(score.right / score.receipts).toBeGreaterThanOrEqual(0.95);
  });

  it('leaves no full card number in any output, and keeps the last four of every card shown', () => {
    for (const r of [...tuning, ...loadCorpus('heldout')]) {
      const result = parseCorpusReceipt(r.text);
      const out = JSON.stringify(result, (key, value: unknown) => (key === 'id' || key === 'sha256' ? undefined : value));
      expect(findPans(out), r.name).toEqual([]);
    }
  });
});

const bill = (rounding: string, total: string, pay = 'Cash'): string => `BUKKA
Receipt No: 88
Date: 24/11/2026 13:00
Rice                       1,000.37
Subtotal                   1,000.37
VAT 7.5%                      75.03
Rounding                   ${rounding}
Total                      ${total}
${pay.padEnd(27)}${total}`;

function parseWith(text: string, profile = loadProfile('generic@1')): ReturnType<typeof parseReceipt> {
  const r = receiptOf(text);
  return parseReceipt(r, { ...contextFor(r), profile });
}

describe('rounding lines', () => {
  it('takes a rounding of either sign under one naira, and holds one of a naira or more with the reason', () => {
    expect(parseWith(bill('-0.40', '1,075.00')).transaction!.totals.rounding).toBe('-0.40');
    expect(parseWith(bill('-0.40', '1,075.00')).status).toBe('ok');
    expect(parseWith(bill('+0.60', '1,076.00')).transaction!.totals.rounding).toBe('0.60');
    expect(parseWith(bill('+0.60', '1,076.00')).status).toBe('ok');
    const big = parseWith(bill('+4.60', '1,080.00'));
    expect(big.status).toBe('review');
    expect(big.problems.map((p) => p.code)).toEqual(['rounding_too_large']);
  });

  it('takes a larger rounding when the profile allows it (tax.max_rounding)', () => {
    const generic = loadProfile('generic@1');
    const lenient = validateProfile({ ...generic, name: 'round-to-five', tax: { ...generic.tax, max_rounding: '5.00' } });
    expect(parseWith(bill('+4.60', '1,080.00'), lenient).status).toBe('ok');
    expect(parseWith(bill('+5.60', '1,081.00'), lenient).status).toBe('review');
  });
});

describe('Nigerian payment words', () => {
  it.each([
    ['POS', 'card'],
    ['ATM', 'card'],
    ['Moniepoint POS', 'card'],
    ['TRANSFER', 'transfer'],
    ['TRF', 'transfer'],
    ['Bank Transfer', 'transfer'],
    ['USSD', 'transfer'],
    ['Moniepoint', 'transfer'],
    ['OPay', 'mobile_money'],
    ['PalmPay', 'mobile_money'],
    ['Cash', 'cash'],
  ])('"%s" is paid by %s', (word, method) => {
    const r = parseWith(bill('-0.40', '1,075.00', word));
    expect(r.status).toBe('ok');
    expect(r.transaction!.payments.map((p) => p.method)).toEqual([method]);
  });
});
