// The receipts corpus in Nigerian conventions (test/fixtures/receipts/conventions): loading it, and what differs from each receipt's expected transaction.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecodedReceipt, LineStyle } from '../main/escpos/types.js';
import { loadProfile, parseReceipt, transactionId, type ParseResult, type Transaction } from '../main/receipts/index.js';

/** tuning: the parser was fitted against these; heldout: kept apart, only measured. */
export type CorpusSplit = 'tuning' | 'heldout';

export interface CorpusExpected {
  status: 'ok' | 'review' | 'unparsed';
  transaction?: Pick<Transaction, 'receipt_number' | 'issued_at' | 'document_type' | 'lines' | 'totals' | 'taxes' | 'payments'>;
}

export interface CorpusReceipt {
  name: string;
  text: string;
  expected: CorpusExpected;
}

function corpusDir(split: CorpusSplit): string {
  // bench/ in the sources, dist/bench/ when built: walk up to the folder holding test/fixtures.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'test', 'fixtures', 'receipts', 'conventions', split);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`The receipts corpus (test/fixtures/receipts/conventions/${split}) was not found above ${fileURLToPath(import.meta.url)}.`);
}

export function loadCorpus(split: CorpusSplit): CorpusReceipt[] {
  const dir = corpusDir(split);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, CorpusExpected>;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      const want = expected[name];
      if (!want) throw new Error(`${join(dir, f)} has no entry in expected.json: add its expected transaction.`);
      return { name, text: readFileSync(join(dir, f), 'utf8').replace(/\n$/, ''), expected: want };
    });
}

const plain: LineStyle = { bold: false, underline: false, doubleWidth: false, doubleHeight: false, reverse: false, align: 'left' };

/** A corpus receipt through the generic profile, as the decoder would hand it over (plain lines, cut). */
export function parseCorpusReceipt(text: string, profile = 'generic@1'): ParseResult {
  const lines = text.split('\n').map((t) => ({ text: t, style: plain }));
  const raw = new TextEncoder().encode(text);
  const receipt: DecodedReceipt = { lines, qr: [], pdf417: [], barcodes: [], images: 0, end: 'cut', warnings: [], raw };
  return parseReceipt(receipt, {
    id: transactionId('corpus', raw),
    deviceId: 'corpus',
    integration: 'escpos_tcp',
    terminalId: 'LANE-1',
    capturedAt: '2026-11-24T12:00:00.000Z',
    profile: loadProfile(profile),
    rawSha256: createHash('sha256').update(raw).digest('hex'),
    rawBytes: raw.byteLength,
  });
}

const json = (v: unknown): string => JSON.stringify(v);
const sortTaxes = (taxes: Transaction['taxes']): string[] => taxes.map((t) => json([t.type, t.category, t.rate, t.taxable_amount, t.amount])).sort();

/** Every field read differently from the expected transaction; empty when the receipt was read right. */
export function corpusMismatches(result: ParseResult, want: CorpusExpected): string[] {
  if (want.status !== 'ok') return result.status === want.status ? [] : [`status ${result.status}, expected ${want.status}`];
  const tx = result.transaction;
  const exp = want.transaction!;
  if (!tx) return [`no transaction (${result.status}: ${result.problems.map((p) => p.code).join(', ')})`];
  const out: string[] = result.status === 'ok' ? [] : [`held for ${result.status}: ${result.problems.map((p) => p.message).join(' | ')}`];
  const check = (what: string, got: unknown, expected: unknown): void => {
    if (json(got) !== json(expected)) out.push(`${what}: got ${json(got)}, expected ${json(expected)}`);
  };
  check('receipt_number', tx.receipt_number, exp.receipt_number);
  check('issued_at', tx.issued_at, exp.issued_at);
  check('document_type', tx.document_type, exp.document_type);
  const line = (l: Transaction['lines'][number]): unknown[] => [l.description, String(Number(l.quantity)), l.unit_price, l.amount, l.tax_category, l.tax_rate];
  check('lines', tx.lines.map(line), exp.lines.map(line));
  check('totals', { tax_inclusive: false, ...tx.totals }, { tax_inclusive: false, ...exp.totals });
  check('taxes', sortTaxes(tx.taxes), sortTaxes(exp.taxes));
  check('payments', tx.payments, exp.payments);
  return out;
}

export interface CorpusScore {
  receipts: number;
  /** Read right: every field as expected, and ok (or held for review when that is the truth). */
  right: number;
  /** Sent as ok although a field was read wrong: the failure that matters. */
  wrongOk: string[];
  /** Held for review although it should have been ok, or read wrong and held. */
  held: string[];
}

export function scoreCorpus(split: CorpusSplit): CorpusScore {
  const score: CorpusScore = { receipts: 0, right: 0, wrongOk: [], held: [] };
  for (const r of loadCorpus(split)) {
    score.receipts++;
    const result = parseCorpusReceipt(r.text);
    const diff = corpusMismatches(result, r.expected);
    if (diff.length === 0) score.right++;
    else if (result.status === 'ok') score.wrongOk.push(`${r.name}: ${diff.join('; ')}`);
    else score.held.push(`${r.name}: ${diff.join('; ')}`);
  }
  return score;
}
