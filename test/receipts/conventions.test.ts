// Receipts in the conventions Nigerian shops print (VAT-inclusive, service charge, consumption tax, tips, rounding, zero/exempt, split payments): read right, or held with the reason.
import { describe, expect, it } from 'vitest';
import { corpusMismatches, loadCorpus, parseCorpusReceipt, scoreCorpus } from '../../bench/receipt-corpus.js';
import { findPans } from '../../main/receipts/index.js';

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
