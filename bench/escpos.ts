// Decoder throughput on the public corpus concatenated (decode alone, and decode reading every picture), beside a plain byte-scan loop and the pre-issue-15 decoder, same run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { decode, EscposStream } from '../main/escpos/index.js';
import type { BenchReport } from './report.js';
import { median } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));

function corpusDir(): string {
  const candidates = [
    process.env.TAXPOYNT_ESCPOS_CORPUS,
    resolve(here, '../../test/fixtures/escpos-corpus'), // dist/bench → the repo's copy
    resolve(here, '../test/fixtures/escpos-corpus'),
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

/** MB/s of one call of `fn` over `bytes`, repeated for at least `minMs` of this process's CPU time (user + system). */
function throughput(bytes: Uint8Array, fn: () => unknown, minMs: number): number {
  let n = 0;
  const c0 = process.cpuUsage();
  let cpuMs = 0;
  do {
    fn();
    n++;
    const c = process.cpuUsage(c0);
    cpuMs = (c.user + c.system) / 1000;
  } while (cpuMs < minMs);
  return (bytes.length * n) / 1e6 / (cpuMs / 1000);
}

/**
 * Best-of-rounds throughput in MB/s of each of `fns` over `bytes`, per second of this process's CPU time (user + system),
 * so other work on a loaded machine does not count against the decoder. Rounds alternate between the functions, so a
 * slow patch of the machine hits all of them alike. Each round runs at least `minMs` of CPU.
 */
function throughputs(bytes: Uint8Array, fns: (() => unknown)[], rounds = 5, minMs = 300): number[] {
  const best = fns.map(() => 0);
  for (let r = 0; r < rounds; r++) fns.forEach((fn, k) => (best[k] = Math.max(best[k] as number, throughput(bytes, fn, minMs))));
  return best;
}

/** Each function's MB/s in every round; rounds run them all back to back, the order turning by one each round. */
function pairedRounds(bytes: Uint8Array, fns: (() => unknown)[], rounds: number, minMs: number): number[][] {
  const out = fns.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < fns.length; j++) {
      const k = (r + j) % fns.length;
      (out[k] as number[]).push(throughput(bytes, fns[k] as () => unknown, minMs));
    }
  }
  return out;
}


/**
 * One round's ratio per round (the subject's MB/s over the reference's in that round, which ran beside it), their
 * median and range: on a machine shared with other work the best-of-rounds of two decoders can come from different
 * patches of load, a round's pair cannot.
 */
function roundRatios(subject: number[], reference: number[]): { median: number; low: number; high: number; rounds: number } {
  const ratios = subject.map((s, k) => s / (reference[k] as number));
  return { median: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios), rounds: ratios.length };
}

/** Rounds and CPU time per function per round for the ratios against the baseline. */
const RATIO_ROUNDS = 15;
const RATIO_ROUND_MS = 150;

/** The decoder as it was before issue 15 (real-till quirks, foreign jobs, the code-page check): "today" for its throughput figure. */
const BASELINE_COMMIT = '6512b7d6cfbe2cf43b68513b4c368b7b8e3cd25a';

/**
 * That commit's `main/escpos`, taken from git and compiled once into the OS temp dir (keyed by commit). Null with
 * the reason when it cannot be built (no git, a shallow clone without that commit).
 */
function buildBaseline(): { path: string } | { error: string } {
  const repo = resolve(here, '../..');
  const out = join(tmpdir(), `taxpoynt-baseline-decoder-${BASELINE_COMMIT.slice(0, 12)}`);
  const index = join(out, 'js', 'index.js');
  if (existsSync(index)) return { path: index };
  try {
    const files = execFileSync('git', ['-C', repo, 'ls-tree', '--name-only', BASELINE_COMMIT, 'main/escpos/'], { encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.ts'));
    mkdirSync(join(out, 'ts'), { recursive: true });
    for (const f of files) writeFileSync(join(out, 'ts', f.slice('main/escpos/'.length)), execFileSync('git', ['-C', repo, 'show', `${BASELINE_COMMIT}:${f}`]));
    writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const options = ['--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--lib', 'ES2023', '--types', 'node', '--skipLibCheck'];
    execFileSync(process.execPath, [tsc, ...options, '--typeRoots', join(repo, 'node_modules', '@types'), '--outDir', join(out, 'js'), ...files.map((f) => join(out, 'ts', f.slice('main/escpos/'.length)))], { stdio: 'pipe' });
    return { path: index };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] ?? 'unknown error' };
  }
}

/**
 * The decoder to compare with in the same run: TAXPOYNT_BASELINE_DECODER = a compiled escpos index.js, else the
 * pre-issue-15 decoder built from git (TAXPOYNT_BASELINE_DECODER=none: no baseline).
 */
async function baselineDecoder(): Promise<{ path: string; what: string; decode: (b: Uint8Array) => unknown[] } | { error: string }> {
  const given = process.env.TAXPOYNT_BASELINE_DECODER;
  if (given === 'none') return { error: 'TAXPOYNT_BASELINE_DECODER=none' };
  const built = given ? { path: given } : buildBaseline();
  if ('error' in built) return built;
  const mod = (await import(pathToFileURL(resolve(built.path)).href)) as { decode: (b: Uint8Array) => unknown[] };
  const what = given ? `TAXPOYNT_BASELINE_DECODER=${given}` : `commit ${BASELINE_COMMIT.slice(0, 7)} (the decoder before issue 15), compiled from git to ${built.path}`;
  return { path: built.path, what, decode: mod.decode };
}

/** What the figures were measured on: they are only comparable within one run on one machine. */
function machineNote(): string {
  const c = cpus();
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  return `machine: ${c[0]?.model ?? 'unknown CPU'}, ${c.length} cores, load average ${load} at the start, Node ${process.version}`;
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
  const machine = machineNote();
  const bytes = corpus();
  const found = await baselineDecoder();
  const baseline = 'error' in found ? null : found;
  // The cheapest loop that looks at every byte (what a "decoder" costs at minimum): a reference, not a target.
  const scan = () => {
    let lf = 0;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) lf++;
    sink += lf;
  };
  const whole = () => {
    sink += decode(bytes).length;
  };
  // What a reader of the pictures costs besides: the decoder makes a picture's dots when they are first read.
  const wholePictures = () => {
    for (const r of decode(bytes)) {
      sink++;
      for (const p of r.pictures ?? []) sink += p.data.length;
    }
  };
  const before = () => {
    sink += baseline ? baseline.decode(bytes).length : 0;
  };
  const chunked = () => {
    const s = new EscposStream();
    for (let at = 0; at < bytes.length; at += 64) sink += s.push(bytes.subarray(at, at + 64), 0).receipts.length;
    sink += s.end().length;
  };
  const text = textJob();
  const wholeText = () => {
    sink += decode(text).length;
  };
  const beforeText = () => {
    sink += baseline ? baseline.decode(text).length : 0;
  };
  for (let k = 0; k < 20; k++) {
    scan();
    whole();
    wholePictures();
    if (baseline) before();
    chunked();
    wholeText();
    if (baseline) beforeText();
  }
  const [base, str] = throughputs(bytes, [scan, chunked], 5, 200) as [number, number];
  const [decRounds, picRounds, oldRounds] = pairedRounds(bytes, baseline ? [whole, wholePictures, before] : [whole, wholePictures], RATIO_ROUNDS, RATIO_ROUND_MS) as [number[], number[], number[] | undefined];
  const [txtRounds, oldTxtRounds] = pairedRounds(text, baseline ? [wholeText, beforeText] : [wholeText], RATIO_ROUNDS, RATIO_ROUND_MS) as [number[], number[] | undefined];
  const dec = median(decRounds);
  const pic = median(picRounds);
  const txt = median(txtRounds);
  const lineRate = 115_200 / 10; // bytes per second on an 8N1 serial line
  const cpuShare = (lineRate / (Math.min(dec, pic, txt) * 1e6)) * 100;
  const range = (r: { median: number; low: number; high: number; rounds: number }) => `median of ${r.rounds} rounds (${r.low.toFixed(3)} to ${r.high.toFixed(3)})`;
  const figures: BenchReport['figures'] = [
    { label: 'decode throughput, corpus concatenated', value: dec, unit: 'MB/s', target: { op: '>=', value: 50 } },
    { label: 'byte-scan loop over the same bytes (reference)', value: base, unit: 'MB/s' },
    { label: 'decoder / byte-scan loop, this run', value: dec / base, unit: '×' },
  ];
  if (oldRounds) {
    const r = roundRatios(decRounds, oldRounds);
    figures.push({ label: 'baseline build decode throughput, corpus concatenated', value: median(oldRounds), unit: 'MB/s' });
    figures.push({ label: "decode throughput against the baseline build (issue 15's figure)", value: dec, unit: 'MB/s', ratio: { value: r.median, against: `baseline build, ${range(r)}`, target: { op: '>=', value: 0.95 } } });
  }
  figures.push({ label: "decode and read every picture's dots, corpus concatenated", value: pic, unit: 'MB/s' });
  if (oldRounds) {
    const r = roundRatios(picRounds, oldRounds);
    figures.push({ label: "decode and read every picture's dots against the baseline build (which makes no pictures)", value: pic, unit: 'MB/s', ratio: { value: r.median, against: `baseline build, ${range(r)}` } });
  }
  figures.push(
    { label: 'stream throughput, 64-byte chunks (serial-sized pushes)', value: str, unit: 'MB/s', ratio: { value: str / dec, against: 'whole-job decode' } },
    { label: 'decode throughput, text-only receipts (no images)', value: txt, unit: 'MB/s', target: { op: '>=', value: 50 } },
  );
  if (oldTxtRounds) {
    const r = roundRatios(txtRounds, oldTxtRounds);
    figures.push({ label: 'baseline build decode throughput, text-only receipts', value: median(oldTxtRounds), unit: 'MB/s' });
    figures.push({ label: 'text-only decode throughput against the baseline build', value: txt, unit: 'MB/s', ratio: { value: r.median, against: `baseline build, ${range(r)}`, target: { op: '>=', value: 0.95 } } });
  }
  figures.push({ label: 'CPU share at 115,200 baud', value: cpuShare, unit: '%', target: { op: '<', value: 0.1 } });
  return {
    name: 'escpos decoder',
    figures,
    notes: [
      machine,
      `load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      `corpus: ${bytes.length} bytes, ${decode(bytes).length} receipts per pass; text-only job: ${text.length} bytes, ${decode(text).length} receipts (${sink} receipts and picture bytes in all)`,
      `MB/s per second of process CPU time (one core). Against the baseline: ${RATIO_ROUNDS} rounds of at least ${RATIO_ROUND_MS} ms CPU per decoder, the order turning each round; a ratio is the median of the rounds' ratios (the lowest and highest round shown), a MB/s figure the median of its rounds. Byte scan and stream: best of 5 rounds of 200 ms. CPU share = 11,520 B/s ÷ the slowest decode figure`,
      "issue 15's figure is decode alone: what capture pays for every job, and what the baseline did (it skipped image bytes). A picture's dots are made when first read (the parse reads them for receipts printed as pictures, then OCR): the second corpus figure reads them all, against the same baseline",
      'the decoder / byte-scan ratio is what this run measured on this machine, not a constant: it moves with the CPU and the JIT (issue 18)',
      baseline
        ? `baseline build: ${baseline.what}; both decode the same bytes in the same process, rounds interleaved`
        : `no baseline build (${'error' in found ? found.error : ''}): the pre-issue-15 decoder is built from git commit ${BASELINE_COMMIT.slice(0, 7)}, or set TAXPOYNT_BASELINE_DECODER to a compiled escpos index.js (README, Benchmarks)`,
    ],
  };
}
