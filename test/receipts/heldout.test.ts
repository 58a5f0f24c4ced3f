// Held-out receipts (layouts, shops and formats the generic parser was not written against): share read right, none wrong and ok.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPans, parseReceipt, type ParseResult } from '../../main/receipts/index.js';
import { contextFor, receiptOf } from './decoded.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'receipts', 'heldout');

interface Expected {
  status: 'ok' | 'review' | 'unparsed';
  total?: string;
  tax?: string;
  receipt_number?: string;
  document_type?: 'sale' | 'refund';
  payment_methods?: string[];
  issued_at?: string;
}

const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Expected>;
const names = readdirSync(dir).filter((f) => f.endsWith('.txt')).map((f) => f.slice(0, -4)).sort();

/** What differs between what was read and the truth; empty when it was read right. */
export function mismatches(result: ParseResult, want: Expected): string[] {
  const tx = result.transaction;
  if (want.status !== 'ok') return result.status === want.status ? [] : [`status ${result.status}, expected ${want.status}`];
  if (!tx) return [`no transaction (${result.status})`];
  const out: string[] = result.status === 'ok' ? [] : [`held for ${result.status}`];
  const check = (what: string, got: unknown, exp: unknown): void => {
    if (exp !== undefined && JSON.stringify(got) !== JSON.stringify(exp)) out.push(`${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(exp)}`);
  };
  check('total', tx.totals.total, want.total);
  check('tax', tx.totals.tax, want.tax);
  check('receipt_number', tx.receipt_number, want.receipt_number);
  check('document_type', tx.document_type, want.document_type);
  check('payment methods', tx.payments.map((p) => p.method), want.payment_methods);
  check('issued_at', tx.issued_at, want.issued_at);
  return out;
}

function parseFixture(name: string): ParseResult {
  const receipt = receiptOf(readFileSync(join(dir, `${name}.txt`), 'utf8').replace(/\n$/, ''));
  return parseReceipt(receipt, contextFor(receipt));
}

describe('held-out receipts with the generic profile', () => {
  it('has at least 20 receipts, each with its truth', () => {
    expect(names.length).toBeGreaterThanOrEqual(20);
    for (const n of names) expect(expected[n], n).toBeDefined();
  });

  it('reads at least 95 % right and never marks a wrong reading ok', () => {
    let right = 0;
    const wrongOk: string[] = [];
    const held: string[] = [];
    for (const name of names) {
      const result = parseFixture(name);
      const diff = mismatches(result, expected[name]!);
      if (diff.length === 0) right++;
      else if (result.status === 'ok') wrongOk.push(`${name}: ${diff.join('; ')}`);
      else held.push(`${name} (${result.status}): ${result.problems.map((p) => p.code).join(', ')}`);
    }
    const share = right / names.length;
    console.log(`held-out: ${right}/${names.length} read right (${(share * 100).toFixed(1)} %); held for review instead: ${held.length ? '\n  ' + held.join('\n  ') : 'none'}`);
    expect(wrongOk).toEqual([]);
    expect(share).toBeGreaterThanOrEqual(0.95);
  });

  it('leaves no full card number anywhere in any output', () => {
    for (const name of names) {
      const result = parseFixture(name);
      // Ids and hashes are hex: a run of their digits can pass Luhn without being anyone's card.
      const json = JSON.stringify(result, (key, value: unknown) => (key === 'id' || key === 'sha256' ? undefined : value));
      expect(findPans(json), name).toEqual([]);
    }
  });

  it('fills card_last4 from a printed card number, masked or not', () => {
    expect(parseFixture('24-full-pan-printed').transaction?.payments[0]?.card_last4).toBe('1111');
    expect(parseFixture('01-supermarket-naira-sign').transaction?.payments[0]?.card_last4).toBe('4321');
    expect(parseFixture('24-full-pan-printed').transaction?.raw.text).toContain('Card No: **** 1111');
  });
});
