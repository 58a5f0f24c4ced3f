// Renderer figures: Status painted with data from opening, the Receipts table's first page from 100,000 rows, the JavaScript's gzipped size; ratios against a blank page loaded in the same run (scrolling: renderer-scroll.ts).
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadavg } from 'node:os';
import { chromium, type Browser } from 'playwright-core';
import type { BenchReport } from './report.js';
import { median } from './stats.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'renderer'))) dir = dirname(dir);
  return dir;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };


/** The BridgeApi answered in the page from canned data: this bench measures the renderer, not the engine. */
function fakeApi(total: number): void {
  const g = globalThis as unknown as Record<string, unknown> & { performance: { now(): number } };
  const marks: Record<string, number> = {};
  g.__marks = marks;
  const now = new Date().toISOString();
  const device = (id: string, n: number) => ({
    id, kind: 'serial_tap', status: 'connected', detail: `reading /dev/ttyUSB${n} at 9600 baud`, connected: true, lastReceiptAt: now, receiptsToday: 40 + n, jobs: 40 + n, bytes: 90_000,
    baud: { rate: 9600, source: 'config' }, passThrough: null, queuedBytes: null, lanes: [], endpoint: null, silentSince: null, error: null,
  });
  const status = {
    state: 'ok', headline: 'All good: receipts are captured and sent.', version: '0.1.0', startedAt: now, updatedAt: now, capturePaused: false,
    engine: { state: 'running', recentCrashes: 0, restarts: 0, nextRestartAt: null, message: null },
    devices: [device('front-till', 0), device('pharmacy-till', 1)],
    outbox: { counts: { pending: 2, in_flight: 0, accepted: total, duplicate: 0, rejected: 0, review: 3, unparsed: 0 }, pending: 2, review: 3, rejected: 0, oldestPendingAgeS: 4, buffered: 0 },
    cloud: { paired: true, business: { name: 'Graceland Mart Ltd', tin: '20145678-0001', location: 'Ikeja', businessId: 'b' }, state: 'idle', offline: false, rateLimited: false, lastSyncAt: now, lastError: null, nextRetryAt: null },
    today: { receipts: 83, accepted: 80, total: '412345.50', vat: '28765.12' },
    alerts: [],
    pairing: { state: 'idle', userCode: null, verificationUri: null, verificationUriComplete: null, qr: null, expiresAt: null, business: null, message: null },
  };
  const states = ['accepted', 'accepted', 'accepted', 'accepted', 'pending', 'review', 'accepted', 'duplicate', 'rejected', 'accepted'];
  const row = (i: number) => ({
    id: `tx_${i.toString(16).padStart(40, '0')}`, deviceId: i % 3 ? 'front-till' : 'pharmacy-till', state: states[i % states.length], receiptNumber: `INV-${100000 + i}`,
    issuedAt: now, total: `${(i % 9000) + 100}.50`, vat: `${(i % 600) + 7}.25`, reason: i % 10 === 5 ? 'Subtotal NGN 1,618.04 + tax NGN 214.39 is NGN 1,832.43, but the receipt total is NGN 1,994.23.' : null,
    irn: i % 10 === 0 ? `IRN-${i}` : null, createdAt: now, updatedAt: now,
  });
  const answer = (channel: string, input: { cursor?: string | null; limit?: number }) => {
    switch (channel) {
      case 'status':
        return status;
      case 'receipts.list': {
        const from = input.cursor ? Number(input.cursor) : 0;
        const limit = input.limit ?? 100;
        const rows = [];
        for (let i = from; i < Math.min(total, from + limit); i++) rows.push(row(i));
        if (from === 0) marks.firstPageAnswered = g.performance.now();
        return { rows, nextCursor: from + limit < total ? String(from + limit) : null, total };
      }
      case 'profiles.list':
        return { profiles: [] };
      default:
        throw Object.assign(new Error(`not in the bench: ${channel}`), { code: 'bench' });
    }
  };
  g.taxpoynt = { invoke: async (channel: string, input: { cursor?: string | null; limit?: number }) => answer(channel, input ?? {}), on: () => () => undefined };
  // Marks when the first data-bearing element of a screen appears.
  const watch = (selector: string, mark: string) => {
    const d = g.document as { querySelector(s: string): unknown };
    const MO = g.MutationObserver as new (cb: () => void) => { observe(n: unknown, o: unknown): void; disconnect(): void };
    const mo = new MO(() => {
      if (!(mark in marks) && d.querySelector(selector)) {
        marks[mark] = g.performance.now();
        mo.disconnect();
      }
    });
    mo.observe(d, { childList: true, subtree: true, characterData: true });
  };
  watch('[data-testid="today-receipts"]', 'statusPainted');
  watch('[role="row"][aria-rowindex="2"] [role="cell"] span', 'firstRow');
}

/** renderer/dist, built first when it is missing. */
export function builtRenderer(): string {
  const root = repoRoot();
  const dist = join(root, 'renderer/dist');
  if (!existsSync(join(dist, 'index.html'))) {
    const r = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
    if (r.status !== 0) throw new Error('the renderer did not build');
  }
  return dist;
}

/** renderer/dist on 127.0.0.1, plus a few fixed pages by path (a baseline page). */
export async function serveRenderer(dist: string, pages: Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path in pages) {
      res.writeHead(200, { 'content-type': TYPES['.html']! }).end(pages[path]);
      return;
    }
    const file = join(dist, normalize(path === '/' ? '/index.html' : path));
    if (!file.startsWith(dist) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Debian's chromium through playwright-core, without the sandbox (containers) or background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function run(): Promise<BenchReport> {
  const dist = builtRenderer();
  const js = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js'));
  const gzBytes = js.reduce((sum, f) => sum + gzipSync(readFileSync(join(dist, 'assets', f)), { level: 9 }).byteLength, 0);
  const server = await serveRenderer(dist, { '/blank.html': '<!doctype html><title>blank</title><p>blank</p>' });
  const base = server.url;
  const browser = await launchChromium();
  const TOTAL = 100_000;
  const blank: number[] = [];
  const statusPaint: number[] = [];
  const firstPage: number[] = [];
  try {
    for (let round = 0; round < 5; round++) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
      const page = await context.newPage();
      await page.goto(`${base}/blank.html`);
      blank.push(await page.evaluate(() => (globalThis as unknown as { performance: { getEntriesByType(t: string): Array<{ loadEventEnd: number }> } }).performance.getEntriesByType('navigation')[0]!.loadEventEnd));
      await page.addInitScript(fakeApi, TOTAL);
      await page.goto(`${base}/#/status`);
      await page.waitForSelector('[data-testid="today-receipts"]');
      statusPaint.push(await page.evaluate(() => (globalThis as unknown as { __marks: Record<string, number> }).__marks.statusPainted!));

      await page.goto(`${base}/#/receipts`);
      await page.waitForSelector('[role="row"][aria-rowindex="2"] [role="cell"] span');
      const m = await page.evaluate(() => (globalThis as unknown as { __marks: Record<string, number> }).__marks);
      firstPage.push(m.firstRow! - m.firstPageAnswered!);
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const blankMs = median(blank);
  const statusMs = median(statusPaint);
  return {
    name: 'renderer',
    figures: [
      { label: 'blank page load (baseline)', value: blankMs, unit: 'ms' },
      { label: 'Status painted with data, from opening', value: statusMs, unit: 'ms', target: { op: '<', value: 1000 }, ratio: { value: statusMs / blankMs, against: 'blank page load' } },
      { label: 'Receipts first page rendered from 100,000 rows (after the answer)', value: median(firstPage), unit: 'ms', target: { op: '<', value: 100 }, ratio: { value: median(firstPage) / blankMs, against: 'blank page load' } },
      { label: 'renderer JavaScript, gzipped', value: gzBytes / 1024, unit: 'kB', target: { op: '<', value: 400 } },
    ],
    notes: [`load average ${loadavg()[0]!.toFixed(1)} during the run (absolute times scale with it; the ratios less so)`, `${statusPaint.length} openings; the API is answered in the page from canned data (100,000 rows), so these are the renderer's own costs`],
  };
}
