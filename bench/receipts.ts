// Parse throughput: receipts/s through parseReceipt (generic@1) on printed-and-decoded receipts, against splitting the lines with a regex.
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { decode } from '../main/escpos/index.js';
import { loadProfile, parseReceipt, transactionId, type ParseContext } from '../main/receipts/index.js';
import type { DecodedReceipt } from '../main/escpos/types.js';
import { printReceipt, randomReceiptSpec } from '../sandbox/receipt-printer.js';
import type { BenchReport } from './report.js';
import { mulberry32 } from '../sandbox/seeded-random.js';
import { scoreCorpus } from './receipt-corpus.js';

/**
 * Runs fn over the corpus repeatedly for about `ms` of CPU time, returning items per CPU second: "on one core",
 * and not skewed when other processes share the machine (wall-clock rate is reported beside it).
 */
function throughput(corpus: number, ms: number, fn: (i: number) => void): { cpu: number; wall: number } {
  for (let i = 0; i < Math.min(corpus, 200); i++) fn(i); // warm-up
  let done = 0;
  const wall0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let cpuMs = 0;
  while (cpuMs < ms) {
    for (let i = 0; i < corpus; i++) fn(i);
    done += corpus;
    const used = process.cpuUsage(cpu0);
    cpuMs = (used.user + used.system) / 1000;
  }
  const wallMs = Number(process.hrtime.bigint() - wall0) / 1e6;
  return { cpu: (done / cpuMs) * 1000, wall: (done / wallMs) * 1000 };
}

export async function run(): Promise<BenchReport> {
  const rng = mulberry32(20261124);
  const profile = loadProfile('generic@1');
  const receipts: DecodedReceipt[] = [];
  const contexts: ParseContext[] = [];
  for (let i = 0; i < 1000; i++) {
    const [r] = decode(printReceipt(randomReceiptSpec(rng)));
    receipts.push(r!);
    contexts.push({
      id: transactionId('bench', r!.raw),
      deviceId: 'bench',
      integration: 'escpos_tcp',
      terminalId: 'LANE-1',
      capturedAt: '2026-11-24T12:00:00.000Z',
      profile,
      rawSha256: createHash('sha256').update(r!.raw).digest('hex'),
      rawBytes: r!.raw.byteLength,
    });
  }
  const lines = receipts.reduce((s, r) => s + r.lines.length, 0) / receipts.length;

  const ok = receipts.filter((r, i) => parseReceipt(r, contexts[i]!).status === 'ok').length;
  const parse = throughput(receipts.length, 5000, (i) => {
    parseReceipt(receipts[i]!, contexts[i]!);
  });

  // Baseline: what any parser must at least do, split each line into label and trailing amount with one regex.
  const AMOUNT = /^(.*?)\s+(-?[\d,]+\.\d{2})\s*$/;
  let sink = 0;
  const baseline = throughput(receipts.length, 2000, (i) => {
    for (const line of receipts[i]!.lines) {
      const m = AMOUNT.exec(line.text);
      if (m) sink += m[2]!.length;
    }
  });
  if (sink < 0) throw new Error('unreachable');

  // Receipts in Nigerian conventions written by hand (inclusive VAT, service charge, consumption tax, tips, rounding…):
  // the held-out part was never tuned against.
  const heldout = scoreCorpus('heldout');
  const tuning = scoreCorpus('tuning');

  return {
    name: 'receipts: parse throughput (generic@1, one core)',
    figures: [
      { label: 'parseReceipt (CPU time)', value: parse.cpu, unit: 'receipts/s', target: { op: '>=', value: 5000 }, ratio: { value: parse.cpu / baseline.cpu, against: 'regex line split (same receipts, same run)' } },
      { label: 'parseReceipt (wall clock)', value: parse.wall, unit: 'receipts/s' },
      { label: 'baseline: regex line split (CPU time)', value: baseline.cpu, unit: 'receipts/s' },
      { label: 'mean lines per receipt', value: lines, unit: 'lines' },
      { label: 'share read ok (printed truth)', value: (100 * ok) / receipts.length, unit: '%' },
      { label: `conventions corpus, held out: read right and ok (${heldout.right}/${heldout.receipts})`, value: (100 * heldout.right) / heldout.receipts, unit: '%', target: { op: '>=', value: 95 } },
      { label: 'conventions corpus, held out: wrong but sent ok', value: heldout.wrongOk.length, unit: 'receipts', target: { op: '<=', value: 0 } },
      { label: `conventions corpus, tuning part: read right (${tuning.right}/${tuning.receipts})`, value: (100 * tuning.right) / tuning.receipts, unit: '%' },
    ],
    notes: [
      `load average during the run: ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (on a shared VM CPU time is inflated by stolen cycles: compare the ratio)`,
      '1,000 random receipts of all seven sandbox layouts (32/42/48 columns), decoded once before timing; each parse masks PANs, reads, builds and validates (zod + kobo checks).',
      'conventions corpus: test/fixtures/receipts/conventions (every field of each expected transaction must match); held for review instead: ' + (heldout.held.map((h) => h.split(':')[0]).join(', ') || 'none') + (heldout.wrongOk.length ? `; WRONG BUT OK: ${heldout.wrongOk.join(' | ')}` : ''),
    ],
  };
}
