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

/**
 * Best-of-rounds throughput in MB/s of `fn` over `bytes`, per second of this process's CPU time (user + system),
 * so other work on a loaded machine does not count against the decoder. Each round runs at least `minMs` of CPU.
 */
function throughput(bytes: Uint8Array, fn: () => unknown, rounds = 5, minMs = 300): number {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const c0 = process.cpuUsage();
    let cpuMs = 0;
    do {
      fn();
      n++;
      const c = process.cpuUsage(c0);
      cpuMs = (c.user + c.system) / 1000;
    } while (cpuMs < minMs);
    best = Math.max(best, (bytes.length * n) / 1e6 / (cpuMs / 1000));
  }
  return best;
}

/** A text-heavy job (no images): 200 receipts of styled, column-aligned lines, as a till prints them. */
function textJob(): Uint8Array {
  const parts: number[] = [];
  const put = (s: string) => {
    for (let k = 0; k < s.length; k++) parts.push(s.charCodeAt(k) & 0xff);
  };
  for (let r = 0; r < 200; r++) {
    put('\x1b@\x1bt\x13\x1ba\x01\x1b!\x30SHOPRITE LEKKI\n\x1b!\x00Admiralty Way, Lagos\n\x1ba\x00');
    for (let l = 0; l < 30; l++) put(`Item number ${l} caf\xe9 cr\xe8me      ${l}.00   ${(l * 1.5).toFixed(2)}\n`);
    put('\x1bE\x01TOTAL                           1,234.50\n\x1bE\x00');
    put('\x1dVA\x03');
  }
  return Uint8Array.from(parts);
}

/** Results are summed here and reported, so no decode call can be optimised away. */
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
  const text = textJob();
  const wholeText = () => {
    sink += decode(text).length;
  };
  for (let k = 0; k < 20; k++) wholeText();
  const base = throughput(bytes, scan);
  const txt = throughput(text, wholeText);
  const dec = throughput(bytes, whole);
  const str = throughput(bytes, chunked);
  const lineRate = 115_200 / 10; // bytes per second on an 8N1 serial line
  const cpuShare = (lineRate / (Math.min(dec, txt) * 1e6)) * 100;
  return {
    name: 'escpos decoder',
    figures: [
      { label: 'decode throughput, corpus concatenated', value: dec, unit: 'MB/s', target: { op: '>=', value: 50 }, ratio: { value: dec / base, against: 'byte-scan loop' } },
      { label: 'stream throughput, 64-byte chunks (serial-sized pushes)', value: str, unit: 'MB/s', ratio: { value: str / base, against: 'byte-scan loop' } },
      { label: 'decode throughput, text-only receipts (no images)', value: txt, unit: 'MB/s', target: { op: '>=', value: 50 }, ratio: { value: txt / base, against: 'byte-scan loop' } },
      { label: 'byte-scan baseline', value: base, unit: 'MB/s' },
      { label: 'CPU share at 115,200 baud', value: cpuShare, unit: '%', target: { op: '<', value: 0.1 } },
    ],
    notes: [
      `corpus: ${bytes.length} bytes, ${decode(bytes).length} receipts per pass; text-only job: ${text.length} bytes, ${decode(text).length} receipts (${sink} receipts decoded in all)`,
      `MB/s per second of process CPU time (one core), best of 5 rounds; CPU share = 11,520 B/s ÷ the slower of the two decode figures`,
    ],
  };
}
