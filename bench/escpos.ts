// Decoder throughput on the public corpus concatenated, against a plain byte-scan loop in the same run; CPU share at 115,200 baud.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { decode, EscposStream } from '../main/escpos/index.js';
import type { BenchReport } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));

function corpusDir(): string {
  const candidates = [
    process.env.TAXPOYNT_ESCPOS_CORPUS,
    resolve(here, '../../../shared/escpos-corpus'), // dist/bench → repo's sibling shared/
    resolve(here, '../../shared/escpos-corpus'),
    resolve(process.cwd(), '../shared/escpos-corpus'),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error('ESC/POS corpus not found: set TAXPOYNT_ESCPOS_CORPUS to the escpos-corpus folder');
}

function corpus(): Uint8Array {
  const root = corpusDir();
  const parts: Uint8Array[] = [];
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(root, dir.name)).sort()) {
      if (!f.includes('.bin')) continue;
      const b = readFileSync(join(root, dir.name, f));
      parts.push(f.endsWith('.z') ? inflateSync(b) : b);
    }
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Best-of-rounds throughput in MB/s of `fn` over `bytes` (each round runs at least `minMs`). */
function throughput(bytes: Uint8Array, fn: () => unknown, rounds = 5, minMs = 300): number {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    let elapsed = 0;
    do {
      fn();
      n++;
      elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
    } while (elapsed < minMs);
    best = Math.max(best, (bytes.length * n) / 1e6 / (elapsed / 1000));
  }
  return best;
}

let sink = 0;

export async function run(): Promise<BenchReport> {
  const bytes = corpus();
  // Baseline: the cheapest loop that looks at every byte (what a "decoder" costs at minimum).
  const scan = () => {
    let lf = 0;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) lf++;
    sink += lf;
  };
  const whole = () => {
    sink += decode(bytes).length;
  };
  const chunked = () => {
    const s = new EscposStream();
    for (let at = 0; at < bytes.length; at += 64) sink += s.push(bytes.subarray(at, at + 64), 0).receipts.length;
    sink += s.end().length;
  };
  for (let k = 0; k < 20; k++) {
    scan();
    whole();
    chunked();
  }
  const base = throughput(bytes, scan);
  const dec = throughput(bytes, whole);
  const str = throughput(bytes, chunked);
  const lineRate = 115_200 / 10; // bytes per second on an 8N1 serial line
  const cpuShare = (lineRate / (dec * 1e6)) * 100;
  return {
    name: 'escpos decoder',
    figures: [
      { label: 'decode throughput, corpus concatenated', value: dec, unit: 'MB/s', target: { op: '>=', value: 50 }, ratio: { value: dec / base, against: 'byte-scan loop' } },
      { label: 'stream throughput, 64-byte chunks', value: str, unit: 'MB/s', target: { op: '>=', value: 50 }, ratio: { value: str / base, against: 'byte-scan loop' } },
      { label: 'byte-scan baseline', value: base, unit: 'MB/s' },
      { label: 'CPU share at 115,200 baud', value: cpuShare, unit: '%', target: { op: '<', value: 0.1 } },
    ],
    notes: [`corpus: ${bytes.length} bytes, ${sink > 0 ? 'decoded' : ''} ${decode(bytes).length} receipts per pass`],
  };
}
