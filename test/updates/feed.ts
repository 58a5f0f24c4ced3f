// Test harness: a real update feed on 127.0.0.1 (the sandbox handler) over a temp folder, and fresh data dirs.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUpdateFeed, type UpdateFeedFault } from '../../sandbox/updates.js';
import { afterEach, beforeEach } from 'vitest';

export interface FeedServer {
  root: string;
  baseUrl: string;
  fault: UpdateFeedFault | null;
  requests: string[];
  close(): Promise<void>;
}

export async function startFeed(): Promise<FeedServer> {
  const root = mkdtempSync(join(tmpdir(), 'tp-feed-'));
  const state: { fault: UpdateFeedFault | null } = { fault: null };
  const requests: string[] = [];
  const handle = createUpdateFeed({ root, fault: () => state.fault });
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (!handle(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    root,
    baseUrl: `http://127.0.0.1:${port}/updates`,
    get fault() {
      return state.fault;
    },
    set fault(value) {
      state.fault = value;
    },
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function tempDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bridge-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Versions around the running one (package.json), so tests survive a version bump. */
export function around(current: string): { older: string; newer: string; newest: string; beta: string } {
  const [major, minor, patch] = current.split('-')[0]!.split('.').map(Number) as [number, number, number];
  const older = patch > 0 ? `${major}.${minor}.${patch - 1}` : minor > 0 ? `${major}.${minor - 1}.9` : `${major - 1}.9.9`;
  return {
    older,
    newer: `${major}.${minor + 1}.0`,
    newest: `${major}.${minor + 2}.0`,
    beta: `${major}.${minor + 1}.0-beta.1`,
  };
}

/** A fresh feed server and data dir for each test of the calling file, closed and removed after it. */
export function feedPerTest(): { feed: FeedServer; data: { dir: string; remove(): void } } {
  const t = {} as { feed: FeedServer; data: { dir: string; remove(): void } };
  beforeEach(async () => {
    t.feed = await startFeed();
    t.data = tempDataDir();
  });
  afterEach(async () => {
    await t.feed.close();
    t.data.remove();
  });
  return t;
}
