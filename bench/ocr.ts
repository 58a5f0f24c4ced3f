// OCR figures: ms per 80 mm receipt printed as a picture and receipts/s per core, beside Debian's `tesseract` on the same PNGs; share read right on held-out receipts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { ingestJob } from '../main/engine/pipeline.js';
import { PictureReader } from '../main/engine/reading.js';
import { KEY_NAME, openStore } from '../main/store/index.js';
import { silentLogger } from '../main/telemetry/log.js';
import { MemoryVault } from '../main/vault/index.js';
import { concat, rasterJob, toGsV0 } from '../test/support/raster-escpos.js';
import { join } from 'node:path';
import type { DecodedReceipt } from '../main/escpos/types.js';
import { OCR_ENGINE, OcrPool, readPictures, type PictureLines } from '../main/ocr/index.js';
import { loadProfile, parseReadReceipt, readingVerdict, transactionId, type ParseResult } from '../main/receipts/index.js';
import { sha256Hex } from '../main/store/index.js';
import { randomReceiptSpec, type ReceiptSpec } from '../sandbox/receipt-printer.js';
import { mulberry32 } from '../sandbox/seeded-random.js';
import { differences } from '../test/support/receipt-truth.js';
import { bitmapPng, renderReceipt, type ReceiptFont } from '../test/support/render-receipt.js';
import type { BenchReport } from './report.js';
import { median, percentile } from './stats.js';

/** Raster receipts waiting in the store while the engine's reader works through them (peak RSS). */
const BACKLOG = Number(process.env.TAXPOYNT_BENCH_OCR_BACKLOG ?? 200);

/**
 * The engine's path: BACKLOG raster jobs (GS v 0 bands, 80 mm) journaled into an encrypted store as
 * `reading`, then read by one worker; RSS sampled every 50 ms from before the store opens to the end.
 */
async function backlogRss(bitmaps: Array<{ width: number; height: number; data: Uint8Array }>): Promise<{ idleMb: number; peakMb: number; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'taxpoynt-ocr-backlog-'));
  const vault = new MemoryVault();
  await vault.set(KEY_NAME, 'b'.repeat(64));
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const store = await openStore({ dataDir: dir, vault, log: silentLogger });
    for (let i = 0; i < BACKLOG; i++) {
      const b = bitmaps[i % bitmaps.length]!;
      ingestJob(store, { deviceId: 'bench', integration: 'escpos_tcp', bytes: rasterJob(toGsV0(b, { band: 24 }), concat(Uint8Array.of(0x1b, 0x64, i >> 8, i & 0xff))), capturedAt: new Date().toISOString() });
    }
    const idleMb = process.memoryUsage().rss / 1048576;
    peak = process.memoryUsage().rss;
    const started = Date.now();
    const reader = new PictureReader(store, new OcrPool({ idleMs: 0 }), silentLogger);
    reader.resume();
    await reader.drained();
    await reader.stop();
    if (store.counts().reading !== 0) throw new Error(`${store.counts().reading} receipts were left reading`);
    store.close();
    return { idleMb, peakMb: peak / 1048576, seconds: (Date.now() - started) / 1000 };
  } finally {
    clearInterval(sampler);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Receipts in the held-out set: a seed and shop names the tests and the tuning never used. The layouts are
 * the sandbox's seven, as in the tests (narrow ones widened to 42 columns where the tests widen them to 48).
 */
const HELD_OUT = Number(process.env.TAXPOYNT_BENCH_OCR_RECEIPTS ?? 40);

/**
 * The held-out seed and names. Seed 7712026 (shops CHICKEN REPUBLIC SURULERE … ST. RITA STORES ENUGU) was
 * held out until the receipts it held for review were looked at to build the glyph reader (main/ocr/glyphs.ts):
 * from then on it is a tuning set, and these were drawn fresh.
 */
const HELD_OUT_SEED = 1_212_026;
const SHOPS = ['BUKKA HUT IKOYI', 'SHOPRITE LEKKI', 'MEDPLUS PHARMACY YABA', 'ARDOVA FILLING STN AJAH', 'GENESIS DELI PH', 'SPAR WUSE ABUJA', 'SWEET SENSATION AKOKA', 'HUBMART VI'];

interface Case {
  spec: ReceiptSpec;
  font: ReceiptFont;
  picture: DecodedReceipt;
  png: Buffer;
}

function heldOutCases(n: number): Promise<Case[]> {
  const rng = mulberry32(HELD_OUT_SEED);
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const base = randomReceiptSpec(rng);
      const spec: ReceiptSpec = { ...base, width: base.width === 32 ? 42 : base.width, shop: { ...base.shop, name: SHOPS[i % SHOPS.length]! } };
      const font: ReceiptFont = i % 2 ? 'proportional' : 'mono';
      const bitmap = renderReceipt(spec, 576, font);
      const picture: DecodedReceipt = {
        lines: [],
        qr: [],
        pdf417: [],
        barcodes: [],
        images: 1,
        pictures: [{ ...bitmap, kind: 'raster', source: 'GS v 0', line: 0, align: 'left', paperDots: 576, offset: 0 }],
        end: 'cut',
        warnings: [],
        raw: bitmap.data,
      };
      return { spec, font, picture, png: await bitmapPng(bitmap) };
    }),
  );
}

const profile = loadProfile('generic@1');

function parseRead(receipt: DecodedReceipt, read: PictureLines): ParseResult {
  return parseReadReceipt(
    receipt,
    { id: transactionId('bench', receipt.raw), deviceId: 'bench', integration: 'escpos_tcp', terminalId: 'LANE-1', capturedAt: '2026-12-02T10:00:00.000Z', profile, rawSha256: sha256Hex(receipt.raw), rawBytes: receipt.raw.byteLength },
    { engine: OCR_ENGINE, ...read },
  );
}

/** Lines of plain text as a receipt read from a picture, every word taken as sure (the CLI's text has no confidences here). */
function textAsRead(text: string): { receipt: DecodedReceipt; read: PictureLines } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const style = { bold: false, underline: false, doubleWidth: false, doubleHeight: false, reverse: false, align: 'left' as const };
  const receipt: DecodedReceipt = { lines: lines.map((t) => ({ text: t, style })), qr: [], pdf417: [], barcodes: [], images: 1, end: 'cut', warnings: [], raw: Buffer.from(text) };
  return { receipt, read: { pictures: 1, confidence: 1, unread: [], lines: lines.map((t, line) => ({ line, confidence: 1, words: t.split(/\s+/).filter(Boolean).map((w) => ({ text: w, confidence: 1 })) })) } };
}

interface Score {
  right: number;
  review: number;
  wrongOk: string[];
  /** Why receipts were held: problem code → receipts. */
  reasons: Map<string, number>;
  /** Each receipt held: its layout and font, its problems, and the first field read differently from the truth (if any). */
  held: string[];
}

function score(cases: Case[], results: ParseResult[]): Score {
  const out: Score = { right: 0, review: 0, wrongOk: [], reasons: new Map(), held: [] };
  results.forEach((r, i) => {
    if (r.status !== 'ok') {
      for (const code of new Set(r.problems.map((p) => p.code))) out.reasons.set(code, (out.reasons.get(code) ?? 0) + 1);
      const misread = r.transaction ? differences(cases[i]!.spec, { ...r, status: 'ok' }, { descriptionEdits: 2 })[0] : undefined;
      out.held.push(`${cases[i]!.spec.layout}/${cases[i]!.font}: ${[...new Set(r.problems.map((p) => `${p.code} ${p.field}`))].join(', ')}${misread ? ` (read: ${misread.slice(0, 160)})` : ' (every field read right)'}`);
      return void out.review++;
    }
    const diff = differences(cases[i]!.spec, r, { descriptionEdits: 2 });
    if (diff.length === 0) out.right++;
    else out.wrongOk.push(`${cases[i]!.spec.receiptNumber} (${cases[i]!.font}): ${diff[0]}`);
  });
  return out;
}


/** Debian's tesseract on every PNG in one process (so the model loads once, as in our worker), with the same settings. */
function debianTesseract(dir: string, cases: Case[]): { texts: string[]; cpuS: number; wallMs: number } {
  const list = join(dir, 'list.txt');
  writeFileSync(list, cases.map((_, i) => join(dir, `r${i}.png`)).join('\n') + '\n');
  const started = process.hrtime.bigint();
  // bash's `time` gives the child's CPU seconds (user + sys) on stderr.
  const run = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time tesseract "${list}" stdout --psm 4 --dpi 203 -l eng -c load_system_dawg=0 -c load_freq_dawg=0 2>/dev/null`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`tesseract failed: ${run.stderr.slice(0, 300)}`);
  const [user, sys] = run.stderr.trim().split(/\s+/).slice(-2).map(Number);
  return { texts: run.stdout.split('\f').slice(0, cases.length), cpuS: user! + sys!, wallMs };
}

/** Every case read and parsed by a pool of `workers`, one receipt after another, timed (the first reading's time when the parser is first asked). */
async function readTimed(cases: Case[], workers: number): Promise<{ ms: number[]; firstMs: number[]; twice: number; cpuS: number; wallS: number; startMs: number; ours: ParseResult[] }> {
  const pool = new OcrPool({ workers, idleMs: 0 });
  const startAt = process.hrtime.bigint();
  // Starts the workers (model load, wasm compile).
  await Promise.all(Array.from({ length: workers }, () => pool.recognize(renderReceipt(cases[0]!.spec, 576, 'mono'))));
  const startMs = Number(process.hrtime.bigint() - startAt) / 1e6;
  const ms: number[] = [];
  const ours: ParseResult[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  const firstMs: number[] = [];
  let twice = 0;
  for (const c of cases) {
    const t = process.hrtime.bigint();
    let asked = 0;
    const read = (await readPictures(c.picture, pool, (r) => {
      if (asked++ === 0) firstMs.push(Number(process.hrtime.bigint() - t) / 1e6);
      else twice++;
      return readingVerdict(parseRead(r.receipt, r.read));
    }))!;
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    ours.push(parseRead(read.receipt, read.read));
  }
  const wallS = Number(process.hrtime.bigint() - wall0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  await pool.close();
  return { ms, firstMs, twice, cpuS: (cpu.user + cpu.system) / 1e6, wallS, startMs, ours };
}

export async function run(): Promise<BenchReport> {
  const cases = await heldOutCases(HELD_OUT);
  const dir = mkdtempSync(join(tmpdir(), 'taxpoynt-ocr-bench-'));
  try {
    cases.forEach((c, i) => writeFileSync(join(dir, `r${i}.png`), c.png));

    const { ms, firstMs, twice, cpuS, wallS, startMs, ours } = await readTimed(cases, 1);
    // A pool of two (`ocr.workers: 2`): each picture cut between its lines and its parts read at once.
    const pair = await readTimed(cases, 2);

    const cli = debianTesseract(dir, cases);
    const theirs = cli.texts.map((t) => {
      const { receipt, read } = textAsRead(t);
      return parseRead(receipt, read);
    });

    const backlog = await backlogRss(cases.slice(0, 8).map((c) => c.picture.pictures![0]!));

    const sorted = ms.slice().sort((a, b) => a - b);
    const medianMs = median(ms);
    const cliPer = cli.wallMs / cases.length;
    const a = score(cases, ours);
    const b = score(cases, theirs);
    const c2 = score(cases, pair.ours);
    const n = cases.length;
    return {
      name: 'ocr: receipts printed as pictures (80 mm, 576 dots), tesseract.js vs Debian tesseract',
      figures: [
        { label: 'tesseract.js: median per receipt (wall clock)', value: medianMs, unit: 'ms', target: { op: '<', value: 400 }, ratio: { value: medianMs / cliPer, against: `Debian tesseract ${cliPer.toFixed(0)} ms/receipt, same PNGs, same run` } },
        { label: 'tesseract.js: p95 per receipt (wall clock)', value: percentile(sorted, 95), unit: 'ms' },
        { label: 'tesseract.js, a pool of 2 (ocr.workers: 2, a picture read in 2 parts at once): median per receipt (wall clock)', value: median(pair.ms), unit: 'ms', target: { op: '<', value: 400 }, ratio: { value: median(pair.ms) / medianMs, against: `one worker ${medianMs.toFixed(0)} ms, same receipts, same run` } },
        { label: 'tesseract.js, a pool of 2: p95 per receipt (wall clock)', value: percentile(pair.ms.slice().sort((x, y) => x - y), 95), unit: 'ms' },
        { label: `tesseract.js, a pool of 2 + parser, held-out set: read right and ok (${c2.right}/${n})`, value: (100 * c2.right) / n, unit: '%', target: { op: '>=', value: 95 } },
        { label: 'tesseract.js, a pool of 2 + parser, held-out set: wrong but ok', value: c2.wrongOk.length, unit: 'receipts', target: { op: '<=', value: 0 } },
        { label: 'tesseract.js, a pool of 2: receipts per second per core (CPU time)', value: n / pair.cpuS, unit: 'receipts/s', ratio: { value: pair.cpuS === 0 ? 0 : n / pair.cpuS / (n / cpuS), against: 'one worker, same run' } },
        { label: 'tesseract.js: median of the first reading alone (wall clock)', value: median(firstMs), unit: 'ms', ratio: { value: median(firstMs) / cliPer, against: `Debian tesseract ${cliPer.toFixed(0)} ms/receipt, same PNGs, same run` } },
        { label: `tesseract.js: receipts whose unsure lines were read a second time, at twice the size (${twice}/${n})`, value: (100 * twice) / n, unit: '%' },
        { label: 'tesseract.js: receipts per second per core (CPU time)', value: n / cpuS, unit: 'receipts/s', ratio: { value: n / cpuS / (n / cli.cpuS), against: `Debian tesseract ${(n / cli.cpuS).toFixed(2)} receipts/s per core` } },
        { label: 'tesseract.js: receipts per second (wall clock, one worker)', value: n / wallS, unit: 'receipts/s' },
        { label: 'tesseract.js: worker start (model load, wasm compile)', value: startMs, unit: 'ms' },
        { label: `tesseract.js + parser, held-out set: read right and ok (${a.right}/${n})`, value: (100 * a.right) / n, unit: '%', target: { op: '>=', value: 95 } },
        { label: 'tesseract.js + parser, held-out set: wrong but ok', value: a.wrongOk.length, unit: 'receipts', target: { op: '<=', value: 0 } },
        { label: `tesseract.js + parser, held-out set: held for review (${a.review}/${n})`, value: (100 * a.review) / n, unit: '%' },
        { label: `Debian tesseract + parser, same set: read right and ok (${b.right}/${n})`, value: (100 * b.right) / n, unit: '%' },
        { label: 'Debian tesseract + parser, same set: wrong but ok (no word confidences)', value: b.wrongOk.length, unit: 'receipts' },
        { label: `engine: peak RSS while a backlog of ${BACKLOG} raster receipts is read (one worker)`, value: backlog.peakMb, unit: 'MB', ratio: { value: backlog.peakMb / backlog.idleMb, against: `the same process with the backlog stored, before reading (${backlog.idleMb.toFixed(0)} MB)` } },
        { label: `engine: backlog of ${BACKLOG} read in`, value: backlog.seconds, unit: 's' },
      ],
      notes: [
        `load average during the run: ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (2 shared cores: compare the ratios)`,
        `${n} receipts from seed ${HELD_OUT_SEED} with shop names the tests never used (the sandbox's seven layouts, as in the tests; 32-column ones widened to 42), half Liberation Mono, half Liberation Sans, rendered at 576 dots; "right" = every amount, number, date, payment and card digit exact (item names within 2 characters).`,
        'Debian tesseract 5 reads all PNGs in one process (model loaded once) with the same settings (PSM 4, 203 dpi, no dictionaries); its text is parsed the same way but has no word confidences, so only the arithmetic guards it.',
        `held for review (tesseract.js), by reason: ${[...a.reasons].sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
        ...a.held.map((h, k) => `held ${k + 1} (tesseract.js): ${h}`),
        ...(a.wrongOk.length ? [`WRONG BUT OK (tesseract.js): ${a.wrongOk.join(' | ')}`] : []),
        ...(c2.wrongOk.length ? [`WRONG BUT OK (tesseract.js, a pool of 2): ${c2.wrongOk.join(' | ')}`] : []),
        ...(b.wrongOk.length ? [`wrong but ok (Debian tesseract): ${b.wrongOk.slice(0, 3).join(' | ')}`] : []),
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
