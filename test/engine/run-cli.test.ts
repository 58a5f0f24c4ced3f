// `taxpoynt-bridge run` as a service manager sees it: starts, refuses a second engine on the same data dir, stops cleanly on SIGTERM and SIGINT.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../support/wait.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeychainVault } from '../../main/vault/index.js';
import { lacks } from '../support/platform.js';
import { startCli as start } from '../support/processes.js';

const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING);

describe.runIf(hasKeyring && !lacks('signals', 'the `run` stop-on-signal tests'))('taxpoynt-bridge run', () => {
  let dir: string;
  const service = `tp-test-run-${process.pid}`;
  const env = () => ({ TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE: service, TAXPOYNT_BRIDGE_CLOUD_URL: 'http://127.0.0.1:9', TAXPOYNT_BRIDGE_DATA_DIR: dir });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-run-'));
  });
  afterEach(async () => {
    await new KeychainVault(service).delete('database-key');
    rmSync(dir, { recursive: true, force: true });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops cleanly on ${signal} with exit code 0`, async () => {
      const run = start(['run'], env());
      // The start-up lines can reach the pipe in separate chunks: wait for the last one, then check the first.
      await waitFor(() => /Not paired with a TaxPoynt account yet/.test(run.out()), 20_000, 'the engine to say it is not paired');
      expect(run.out()).toMatch(/running \(pid \d+\)/);
      run.child.kill(signal);
      expect(await run.exited).toBe(0);
      expect(run.out()).toContain('stopped.');
    });
  }

  it('a second engine on the same data dir is refused, naming the process that holds it', async () => {
    const first = start(['run'], env());
    try {
      await waitFor(() => first.out().includes('running'), 20_000, 'the first engine to start');
      const second = start(['run'], env());
      expect(await second.exited).not.toBe(0);
      expect(second.out()).toContain(`in use by process ${first.child.pid}`);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });

  it('prints on stderr the alerts raised at start: a database whose key left the keychain is moved aside', async () => {
    const ingest = start(['ingest', '-', '--device', 'lane-1'], env());
    ingest.child.stdin.end(Buffer.from('\x1b@NOT A RECEIPT\n\x1dV\x00'));
    expect(await ingest.exited).toBe(0);
    await new KeychainVault(service).delete('database-key');
    const run = start(['run'], env());
    try {
      await waitFor(() => /alert: The database key was missing from the keychain/.test(run.stderr()), 20_000, 'run to print the start-up alert on stderr');
      expect(run.stderr()).toMatch(/It was moved to .*bridge\.db.* \(not deleted\)/);
      // Once, not repeated by the listener attached after start.
      expect(run.stderr().match(/alert: The database key was missing/g)).toHaveLength(1);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });

  it('status --json counts the outbox by state while no engine runs', async () => {
    const ingest = start(['ingest', '-', '--device', 'lane-1'], env());
    ingest.child.stdin.end(Buffer.from('\x1b@NOT A RECEIPT\n\x1dV\x00'));
    await ingest.exited;
    const status = start(['status', '--json'], env());
    expect(await status.exited).toBe(0);
    const json = JSON.parse(status.out());
    expect(json.outbox.unparsed + json.outbox.review + json.outbox.pending).toBe(1);
    expect(json.engine).toBeNull();
    expect(json.paired).toBeNull();
  });
});
