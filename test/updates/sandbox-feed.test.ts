// The sandbox cloud serves update feeds too, so the demo and the tests offer a real update: `update check` against it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishRelease } from '../../sandbox/updates.js';
import { startSandbox, type Sandbox } from '../../sandbox/server.js';

const cli = join(process.cwd(), 'dist', 'main', 'cli.js');
let dir: string;
let sandbox: Sandbox;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-sandbox-feed-'));
  publishRelease({ root: join(dir, 'feed'), channel: 'stable', version: '9.1.0' });
  sandbox = await startSandbox({ port: 0, updatesRoot: join(dir, 'feed') });
});
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sandbox update feed', () => {
  it('update check --json against the sandbox offers the newer version it publishes', async () => {
    // The sandbox runs in this process: the CLI must run asynchronously beside it.
    const r = await promisify(execFile)(process.execPath, [cli, '--data-dir', join(dir, 'data'), 'update', 'check', '--json'], {
      env: { ...process.env, TAXPOYNT_BRIDGE_UPDATE_URL: `${sandbox.url}/updates` },
    });
    expect(JSON.parse(r.stdout)).toMatchObject({ channel: 'stable', latest: '9.1.0', available: true, reason: 'newer' });
  });

  it('the cloud endpoints still answer beside the feed', async () => {
    const res = await fetch(`${sandbox.url}/v1/agents/me/config`);
    expect(res.status).toBe(401);
  });
});
