// The e2e harness: the built renderer served from 127.0.0.1, Chromium (playwright-core + Debian's chromium), the BridgeApi forwarded to an engine in this process, axe, screenshots.
import { createServer, type Server } from 'node:http';
import { waitFor as poll } from '../support/wait.js';
import { readFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { EVENT_NAMES, type EventName } from '../../preload/api.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'renderer/dist');
const AXE = join(ROOT, 'node_modules/axe-core/axe.min.js');
export const SCREENS_DIR = join(ROOT, 'test-results/screens');

/** The CSP the Electron shell sets: the page must work under it (no inline script, no eval). */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

/** A tiny static server for renderer/dist (and axe-core at /__axe.js, same origin so the CSP allows it). */
export async function serveRenderer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path === '/__axe.js' ? AXE : join(DIST, normalize(path === '/' ? '/index.html' : path));
    if (!file.startsWith(DIST) && file !== AXE) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP, 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** What the page talks to: the engine's dispatcher (or anything with the same two methods). */
export interface ApiTarget {
  invoke(channel: string, input: unknown): Promise<unknown>;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
}

export interface AppPage {
  page: Page;
  context: BrowserContext;
  /** Every answer and event the page received, as JSON, for the secrets test. */
  traffic: string[];
  /** Console errors and CSP violations seen in the page. */
  problems: string[];
  /** Points the page at another engine (after a restart) without reloading it. */
  retarget(target: ApiTarget): void;
  close(): Promise<void>;
}

/**
 * Opens the renderer with window.taxpoynt forwarded to `target` through page.exposeBinding: the same
 * shape the preload exposes (invoke rejects with { code, message, field }; on returns an unsubscribe).
 */
export async function openApp(browser: Browser, baseUrl: string, target: ApiTarget, opts: { hash?: string; viewport?: { width: number; height: number } } = {}): Promise<AppPage> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1366, height: 768 }, locale: 'en-GB', timezoneId: 'Africa/Lagos' });
  const page = await context.newPage();
  const traffic: string[] = [];
  const problems: string[] = [];
  let current = target;
  let offs: Array<() => void> = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));

  await page.exposeBinding('__taxpoyntInvoke', async (_source, channel: string, input: unknown) => {
    try {
      const value = await current.invoke(channel, input);
      traffic.push(JSON.stringify(value) ?? '');
      return { ok: true, value };
    } catch (err) {
      const e = err as { code?: string; message?: string; field?: string | null };
      traffic.push(JSON.stringify(e.message ?? ''));
      return { ok: false, error: { code: e.code ?? 'failed', message: e.message ?? String(err), field: e.field ?? null } };
    }
  });
  const wire = () => {
    for (const off of offs) off();
    offs = EVENT_NAMES.map((name) =>
      current.on(name, (payload) => {
        traffic.push(JSON.stringify(payload));
        page.evaluate(([n, p]) => (globalThis as unknown as { __taxpoyntEmit?: (n: string, p: unknown) => void }).__taxpoyntEmit?.(n, p), [name, payload] as const).catch(() => undefined);
      }),
    );
  };
  wire();
  await page.addInitScript(() => {
    const listeners = new Map<string, Set<(p: unknown) => void>>();
    const w = globalThis as unknown as Record<string, unknown>;
    w.__taxpoyntEmit = (name: string, payload: unknown) => {
      for (const l of listeners.get(name) ?? []) l(payload);
    };
    w.taxpoynt = Object.freeze({
      invoke: async (channel: string, input: unknown) => {
        const r = (await (w.__taxpoyntInvoke as (c: string, i: unknown) => Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string; field: string | null } }>)(channel, input)) ;
        if (r.ok) return r.value;
        const e = new Error(r.error!.message) as Error & { code?: string; field?: string | null };
        e.code = r.error!.code;
        e.field = r.error!.field;
        throw e;
      },
      on: (event: string, listener: (p: unknown) => void) => {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)!.add(listener);
        return () => listeners.get(event)!.delete(listener);
      },
    });
  });
  await page.goto(`${baseUrl}#/${opts.hash ?? 'status'}`);
  return {
    page,
    context,
    traffic,
    problems,
    retarget(next) {
      current = next;
      wire();
    },
    async close() {
      for (const off of offs) off();
      await context.close();
    },
  };
}

export async function go(page: Page, screen: string): Promise<void> {
  await page.evaluate((s) => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = `#/${s}`;
  }, screen);
  await page.locator('#screen-title').filter({ hasText: new RegExp(`^${screen}$`, 'i') }).waitFor();
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/** Runs axe-core in the page (served same-origin, so the CSP lets it load) and returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (globalThis as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!loaded) await page.addScriptTag({ url: '/__axe.js' });
  // Colours are measured once CSS transitions have ended: mid-fade colours are neither the start nor the end state.
  await page.evaluate(async () => {
    const doc = (globalThis as unknown as { document: { getAnimations(): Array<{ finished: Promise<unknown>; effect: { getComputedTiming(): { endTime?: number | string } } | null }> } }).document;
    const finite = doc.getAnimations().filter((a) => Number.isFinite(Number(a.effect?.getComputedTiming().endTime)));
    await Promise.race([Promise.all(finite.map((a) => a.finished.catch(() => undefined))), new Promise((resolve) => setTimeout(resolve, 2000))]);
  });
  const result = await page.evaluate(async () => {
    const g = globalThis as unknown as { document: unknown; axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } };
    const r = await g.axe.run(g.document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENS_DIR, { recursive: true });
  const path = join(SCREENS_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Polls every 50 ms: a browser page is slower to change than the engine. */
export function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  return poll(check, timeoutMs, what, 50);
}
