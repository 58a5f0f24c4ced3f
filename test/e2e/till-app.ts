// An app over a real engine with one till on a serial pty: the world, the engine, the renderer's server and Chromium, closed together.
import type { Browser } from 'playwright-core';
import type { SandboxOptions } from '../../sandbox/server.js';
import { launchBrowser, serveRenderer } from './harness.js';
import { ptyPair, startEngine, startWorld, type Pty, type World } from './engine.js';

export interface TillApp {
  world: World;
  /** The till's serial line: print on `pty.pos`. */
  pty: Pty;
  browser: Browser;
  server: Awaited<ReturnType<typeof serveRenderer>>;
  close(): Promise<void>;
}

export async function startTillApp(name: string, sandbox: SandboxOptions = {}): Promise<TillApp> {
  const world = await startWorld(name, sandbox);
  const pty = await ptyPair(world.dir, 'till');
  world.ptys.push(pty);
  await startEngine(world, [{ id: 'till-1', kind: 'serial_tap', path: pty.bridge, baud_rate: 9600, idle_ms: 300 }]);
  const server = await serveRenderer();
  const browser = await launchBrowser();
  return {
    world,
    pty,
    browser,
    server,
    async close() {
      await browser.close();
      await server.close();
      await world.cleanup();
    },
  };
}
