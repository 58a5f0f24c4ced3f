// Receipts scrolling (issue 18 §1): time from a page scroll to the next painted frame with the rows in view loaded (not placeholders), the app on an engine whose store holds 100,000 receipts; against a plain table of the same rows in the same run.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Bridge } from '../main/engine/bridge.js';
import { writeConfigFile } from '../main/engine/config.js';
import { createDispatcher, type Dispatcher } from '../main/engine/dispatcher.js';
import { platformAutostart } from '../main/engine/autostart.js';
import { parseReceipts } from '../main/engine/pipeline.js';
import { openStore, type Store } from '../main/store/index.js';
import { silentLogger } from '../main/telemetry/log.js';
import type { ParsedJob } from '../main/store/types.js';
import { MemoryVault } from '../main/vault/index.js';
import { EVENT_NAMES } from '../preload/api.js';
import { printReceipt, randomReceiptSpec } from '../sandbox/receipt-printer.js';
import { builtRenderer, launchChromium, serveRenderer } from './renderer.js';
import type { BenchReport } from './report.js';
import { median, p95 } from './stats.js';

const RECEIPTS = Number(process.env.BENCH_SCROLL_RECEIPTS ?? 100_000);
/** Receipts parsed for real; the store's 100,000 are these, each with its own number, id and byte range. */
const DISTINCT = 300;
const PER_JOB = 1000;
const OPENINGS = 3;
const STEPS = 40;
/** Rows in the plain table: more than the steps scroll through. */
const PLAIN_ROWS = 1500;

/** BENCH_VERBOSE=1: where the run is, on stderr. */
const progress = (what: string) => void (process.env.BENCH_VERBOSE && process.stderr.write(`renderer-scroll: ${what}\n`));

/**
 * Fills the store through its own write path (journal, then outbox rows for the parsed receipts), 1,000 receipts a job:
 * DISTINCT receipts parsed by the real parser, reused with new numbers, so the fill takes seconds, not minutes of parsing.
 * Nine in ten are then settled as accepted (with an IRN), as on a bridge that has been sending for months.
 */
export function fill(store: Store, count: number, setNow: (at: Date) => void = () => undefined): void {
  let seed = 18;
  const rng = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
  const pool: Array<{ bytes: Uint8Array; parsed: ParsedJob }> = [];
  for (let tries = 0; pool.length < DISTINCT; tries++) {
    if (tries > 4 * DISTINCT) throw new Error(`only ${pool.length} of ${tries} sandbox receipts parsed into a transaction`);
    const spec = randomReceiptSpec(rng);
    spec.receiptNumber = `POOL-${pool.length}`;
    const bytes = printReceipt(spec);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const [parsed] = parseReceipts({ id: `tx_${sha256.slice(0, 40)}`, sha256, deviceId: 'front-till', integration: 'escpos_serial', bytes, capturedAt: new Date().toISOString(), terminalId: 'front-till' });
    if (parsed?.transaction) pool.push({ bytes, parsed });
  }
  // Half a minute apart: 100,000 receipts span five weeks, so "today" on the Status screen is a day's worth, not the store.
  const day = Date.now() - count * 30_000 - 86_400_000;
  for (let first = 0; first < count; first += PER_JOB) {
    const n = Math.min(PER_JOB, count - first);
    const picks = Array.from({ length: n }, (_, k) => pool[(first + k * 7) % pool.length]!);
    // A unique trailer keeps each job's bytes (and so its journal hash) its own.
    const bytes = Buffer.concat([...picks.map((p) => p.bytes), Buffer.from(`job ${first}\n`)]);
    const capturedAt = new Date(day + first * 30_000).toISOString();
    setNow(new Date(day + first * 30_000));
    const device = first % 3 === 0 ? 'pharmacy-till' : 'front-till';
    const journaled = store.journal({ deviceId: device, integration: 'escpos_serial', bytes, capturedAt, terminalId: device });
    let at = 0;
    const parsed: ParsedJob[] = picks.map((p, k) => {
      const number = `INV-${String(first + k).padStart(7, '0')}`;
      const id = 'tx_' + createHash('sha256').update(number).digest('hex').slice(0, 40);
      const issued = new Date(day + (first + k) * 30_000).toISOString();
      const transaction = { ...p.parsed.transaction!, id, receipt_number: number, issued_at: issued, source: { ...p.parsed.transaction!.source, device_id: device, captured_at: issued } };
      const receipt = { index: k, start: at, end: at + p.bytes.byteLength };
      at = receipt.end;
      return { ...p.parsed, id, transaction, deviceId: device, seq: journaled.seq!, job: journaled.id, receipt };
    });
    store.recordReceipts(parsed);
  }
  for (;;) {
    const rows = store.claim(5000, 256 << 20);
    if (rows.length === 0) break;
    const settle = rows.filter((_, i) => i % 10 !== 0);
    store.settle(settle.map((r) => ({ id: r.id, status: 'accepted' as const, irn: `IRN-${r.id.slice(3, 15)}` })));
    store.release(
      rows.filter((_, i) => i % 10 === 0).map((r) => r.id),
      'kept pending by the bench',
    );
    if (store.counts().pending <= count / 10) break;
  }
}

/** The BridgeApi in the page, forwarded to the engine's dispatcher (as the preload does in the app). */
async function wire(page: Page, dispatcher: Dispatcher): Promise<void> {
  await page.exposeBinding('__invoke', async (_source, channel: string, input: unknown) => {
    try {
      return { ok: true, value: await dispatcher.invoke(channel, input) };
    } catch (err) {
      const e = err as { code?: string; message?: string };
      return { ok: false, error: { code: e.code ?? 'failed', message: e.message ?? String(err) } };
    }
  });
  for (const name of EVENT_NAMES) {
    dispatcher.on(name, (payload) => void page.evaluate(([n, p]) => (globalThis as unknown as { __emit?: (n: string, p: unknown) => void }).__emit?.(n, p), [name, payload] as const).catch(() => undefined));
  }
  await page.addInitScript(() => {
    const w = globalThis as unknown as Record<string, unknown>;
    const listeners = new Map<string, Set<(p: unknown) => void>>();
    w.__emit = (n: string, p: unknown) => listeners.get(n)?.forEach((l) => l(p));
    w.taxpoynt = {
      invoke: async (channel: string, input: unknown) => {
        const r = (await (w.__invoke as (c: string, i: unknown) => Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>)(channel, input)) ;
        if (r.ok) return r.value;
        throw Object.assign(new Error(r.error!.message), { code: r.error!.code });
      },
      on: (event: string, l: (p: unknown) => void) => {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)!.add(l);
        return () => listeners.get(event)!.delete(l);
      },
    };
  });
}

/**
 * In the page: STEPS times, scroll the element one page down and time until a frame has been painted with every row in view
 * loaded: each animation frame looks at the rows in view; once they all have text, the task after that frame's paint ends the step.
 */
async function scrollSteps(page: Page, selector: string, steps: number): Promise<number[]> {
  return page.evaluate(
    async ([sel, n]) => {
      type El = { scrollTop: number; clientHeight: number; querySelectorAll(s: string): ArrayLike<{ textContent: string | null; getAttribute(a: string): string | null }> };
      const g = globalThis as unknown as {
        document: { querySelector(s: string): El };
        performance: { now(): number };
        requestAnimationFrame(cb: () => void): void;
        MessageChannel: new () => { port1: { onmessage: (() => void) | null }; port2: { postMessage(m: unknown): void } };
      };
      const el = g.document.querySelector(sel);
      const frame = () => new Promise<void>((r) => g.requestAnimationFrame(() => r()));
      /** A task queued from a frame callback runs after that frame is painted. */
      const afterPaint = () =>
        new Promise<void>((r) => {
          const ch = new g.MessageChannel();
          ch.port1.onmessage = () => r();
          ch.port2.postMessage(0);
        });
      const loaded = () => {
        const top = Math.floor(el.scrollTop / 40);
        const bottom = Math.floor((el.scrollTop + el.clientHeight - 1) / 40);
        const rows = Array.from(el.querySelectorAll('[role="row"], tr')).filter((r) => {
          const i = Number(r.getAttribute('aria-rowindex') ?? r.getAttribute('data-index')) - 2;
          return i >= top && i <= bottom;
        });
        return rows.length >= bottom - top + 1 && rows.every((r) => (r.textContent ?? '').trim().length > 0);
      };
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        await frame();
        await afterPaint();
        const t0 = g.performance.now();
        el.scrollTop += el.clientHeight;
        for (;;) {
          await frame();
          if (loaded()) break;
          if (g.performance.now() - t0 > 20_000) {
            const shown = Array.from(el.querySelectorAll('[role="row"], tr')).map((r) => `${r.getAttribute('aria-rowindex') ?? r.getAttribute('data-index')}:${(r.textContent ?? '').slice(0, 12)}`);
            throw new Error(`step ${i + 1}: rows in view not loaded after 20 s (scrollTop ${el.scrollTop}, height ${el.clientHeight}; in the DOM: ${shown.slice(0, 8).join(' ')} …)`);
          }
        }
        await afterPaint();
        out.push(g.performance.now() - t0);
      }
      return out;
    },
    [selector, steps] as const,
  );
}

/** The same rows as a plain, non-virtualised table (every row in the DOM), in a scroller of the same size. */
function plainTable(rows: Array<{ receiptNumber: string | null; state: string; total: string | null; vat: string | null; deviceId: string; issuedAt: string | null }>): string {
  const cells = rows
    .map((r, i) => `<tr data-index="${i + 2}"><td>${r.issuedAt ?? ''}</td><td>${r.receiptNumber ?? ''}</td><td>${r.deviceId}</td><td>${r.state}</td><td>${r.total ?? ''}</td><td>${r.vat ?? ''}</td></tr>`)
    .join('');
  return `<!doctype html><meta charset="utf-8"><title>plain</title><style>body{margin:0;font:14px system-ui}#s{height:600px;overflow:auto}table{border-collapse:collapse;width:100%}tr{height:40px}td{padding:0 8px;border-bottom:1px solid #eee;white-space:nowrap}</style><div id="s"><table>${cells}</table></div>`;
}

export async function run(): Promise<BenchReport> {
  const dist = builtRenderer();
  const dir = mkdtempSync(join(tmpdir(), 'bench-scroll-'));
  const vault = new MemoryVault();
  const dataDir = join(dir, 'data');
  const configFile = join(dataDir, 'config.json');
  // No cloud: the bridge is not paired, so nothing is sent and the rows stay as filled.
  writeConfigFile(configFile, { cloud: { base_url: 'http://127.0.0.1:9' } });
  // Filled before the engine starts, with a clock that walks through the weeks the receipts were written in.
  const started = performance.now();
  let now = new Date();
  const store = await openStore({ dataDir, vault, log: silentLogger, clock: () => now });
  try {
    fill(store, RECEIPTS, (at) => (now = at));
  } finally {
    store.close();
  }
  const fillSeconds = (performance.now() - started) / 1000;
  progress(`store filled in ${fillSeconds.toFixed(1)} s`);
  const bridge = await Bridge.start({ dataDir, configFile, version: '0.1.0-bench', vault, updates: false, env: {} });
  let dispatcher: Dispatcher | null = null;
  const plain: number[] = [];
  const virtual: number[] = [];
  try {
    dispatcher = createDispatcher(bridge, { vault, statusIntervalMs: 1000, autostart: platformAutostart({ platform: 'win32', exec: [process.execPath], dataDir }) });
    await dispatcher.ready;
    type Page = { rows: Parameters<typeof plainTable>[0]; total: number; nextCursor: string | null };
    const rows: Page['rows'] = [];
    for (let cursor: string | null = null; rows.length < PLAIN_ROWS; ) {
      const page = (await dispatcher.invoke('receipts.list', { limit: 500, ...(cursor ? { cursor } : {}) })) as Page;
      if (page.total !== RECEIPTS) throw new Error(`the store holds ${page.total} receipts, not ${RECEIPTS}`);
      rows.push(...page.rows);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    const server = await serveRenderer(dist, { '/plain.html': plainTable(rows) });
    const browser = await launchChromium();
    try {
      for (let round = 0; round < OPENINGS; round++) {
        // The baseline first, then the app, each in a fresh context: the same machine moment for both.
        const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
        const page = await context.newPage();
        await page.goto(`${server.url}/plain.html`);
        plain.push(...(await scrollSteps(page, '#s', STEPS)));
        progress(`opening ${round + 1}: plain table scrolled`);
        await wire(page, dispatcher);
        await page.goto(`${server.url}/#/receipts`);
        await page.waitForFunction(() => ((globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('[role="row"][aria-rowindex="2"]')?.textContent ?? '').includes('INV-'), undefined, { timeout: 180_000 });
        progress(`opening ${round + 1}: first row shown`);
        virtual.push(...(await scrollSteps(page, '[data-testid="virtual-scroller"]', STEPS)));
        await context.close();
      }
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    dispatcher?.close();
    await bridge.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const [pm, vm, vp] = [median(plain), median(virtual), p95(virtual)];
  return {
    name: `renderer: Receipts scroll to the next painted frame with loaded rows, ${RECEIPTS.toLocaleString('en-US')} receipts in the engine's store`,
    figures: [
      { label: 'plain table of the same rows, one page scroll to painted (baseline), median', value: pm, unit: 'ms' },
      { label: 'plain table p95', value: p95(plain), unit: 'ms' },
      { label: 'Receipts screen, one page scroll to painted with loaded rows, median', value: vm, unit: 'ms', target: { op: '<', value: 50 }, ratio: { value: vm / pm, against: 'plain table median', target: { op: '<=', value: 1.5 } } },
      { label: 'Receipts screen p95', value: vp, unit: 'ms', ratio: { value: vp / p95(plain), against: 'plain table p95' } },
      { label: 'Receipts screen, slowest step', value: Math.max(...virtual), unit: 'ms' },
    ],
    notes: [
      `${OPENINGS} openings × ${STEPS} page scrolls each (scrollTop += the scroller's height; the browser delivers the scroll event); a step ends in the task after the first frame painted with every row in view holding text (a placeholder row has none); rows not fetched yet come from the engine through the dispatcher, as in the app`,
      `the baseline: the first ${PLAIN_ROWS.toLocaleString('en-US')} of the same rows as a plain <table>, all in the DOM, scrolled the same way; headless Chromium paints at 60 Hz, so a step is at least one frame (~16.7 ms) in both`,
      `store filled through journal + recordReceipts in ${fillSeconds.toFixed(1)} s (${DISTINCT} receipts parsed for real, reused with new numbers); 9 in 10 accepted; load average ${loadavg()[0]!.toFixed(1)} (2 cores)`,
    ],
  };
}
