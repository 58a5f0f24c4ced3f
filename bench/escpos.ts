// Decoder throughput on the public corpus concatenated, beside a plain byte-scan loop and (optionally) an earlier build of the decoder, same run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
 * Best-of-rounds throughput in MB/s of each of `fns` over `bytes`, per second of this process's CPU time (user + system),
 * so other work on a loaded machine does not count against the decoder. Rounds alternate between the functions, so a
 * slow patch of the machine hits all of them alike. Each round runs at least `minMs` of CPU.
 */
function throughputs(bytes: Uint8Array, fns: (() => unknown)[], rounds = 5, minMs = 300): number[] {
  const best = fns.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, k) => {
      let n = 0;
      const c0 = process.cpuUsage();
      let cpuMs = 0;
      do {
        fn();
        n++;
        const c = process.cpuUsage(c0);
        cpuMs = (c.user + c.system) / 1000;
      } while (cpuMs < minMs);
      best[k] = Math.max(best[k] as number, (bytes.length * n) / 1e6 / (cpuMs / 1000));
    });
  }
  return best;
}

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
    if (baseline) before();
    chunked();
    wholeText();
    if (baseline) beforeText();
  }
  const [base, dec, str, old] = throughputs(bytes, baseline ? [scan, whole, chunked, before] : [scan, whole, chunked]) as [number, number, number, number | undefined];
  const [txt, oldTxt] = throughputs(text, baseline ? [wholeText, beforeText] : [wholeText]) as [number, number | undefined];
  const lineRate = 115_200 / 10; // bytes per second on an 8N1 serial line
  const cpuShare = (lineRate / (Math.min(dec, txt) * 1e6)) * 100;
  const figures: BenchReport['figures'] = [
    { label: 'decode throughput, corpus concatenated', value: dec, unit: 'MB/s', target: { op: '>=', value: 50 } },
    { label: 'byte-scan loop over the same bytes (reference)', value: base, unit: 'MB/s' },
    { label: 'decoder / byte-scan loop, this run', value: dec / base, unit: '×' },
  ];
  if (baseline && old !== undefined) {
    figures.push({ label: 'baseline build decode throughput, corpus concatenated', value: old, unit: 'MB/s' });
    figures.push({ label: 'decode throughput against the baseline build', value: dec, unit: 'MB/s', ratio: { value: dec / old, against: 'baseline build', target: { op: '>=', value: 0.95 } } });
  }
  figures.push(
    { label: 'stream throughput, 64-byte chunks (serial-sized pushes)', value: str, unit: 'MB/s', ratio: { value: str / dec, against: 'whole-job decode' } },
    { label: 'decode throughput, text-only receipts (no images)', value: txt, unit: 'MB/s', target: { op: '>=', value: 50 } },
    ...(baseline && oldTxt !== undefined
      ? [
          { label: 'baseline build decode throughput, text-only receipts', value: oldTxt, unit: 'MB/s' },
          { label: 'text-only decode throughput against the baseline build', value: txt, unit: 'MB/s', ratio: { value: txt / oldTxt, against: 'baseline build' } },
        ]
      : []),
    { label: 'CPU share at 115,200 baud', value: cpuShare, unit: '%', target: { op: '<', value: 0.1 } },
  );
  return {
    name: 'escpos decoder',
    figures,
    notes: [
      machine,
      `corpus: ${bytes.length} bytes, ${decode(bytes).length} receipts per pass; text-only job: ${text.length} bytes, ${decode(text).length} receipts (${sink} receipts decoded in all)`,
      `MB/s per second of process CPU time (one core), best of 5 interleaved rounds; CPU share = 11,520 B/s ÷ the slower of the two decode figures`,
      'the decoder / byte-scan ratio is what this run measured on this machine, not a constant: it moves with the CPU and the JIT (issue 18)',
      baseline
        ? `baseline build: ${baseline.what}; both decode the same bytes in the same process, rounds interleaved`
        : `no baseline build (${'error' in found ? found.error : ''}): the pre-issue-15 decoder is built from git commit ${BASELINE_COMMIT.slice(0, 7)}, or set TAXPOYNT_BASELINE_DECODER to a compiled escpos index.js (README, Benchmarks)`,
    ],
  };
}
