// Pairing end to end with the real keychain (gnome-keyring under dbus-run-session): `pair` and `unpair` as a merchant runs them,
// the forwarder delivering with the keychain's secrets and rotating the refresh token, and no secret in the log file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { command as pairCommand } from '../../main/cli/pair.js';
import { command as unpairCommand } from '../../main/cli/unpair.js';
import type { CommandContext } from '../../main/cli/command.js';
import { Forwarder } from '../../main/cloud/index.js';
import { Logger, logFile } from '../../main/telemetry/log.js';
import { KeychainVault } from '../../main/vault/index.js';
import { startSandbox, type Sandbox } from '../../sandbox/server.js';
import { MemoryQueue, makeTransaction } from './memory-queue.js';

// Runs under scripts/with-keyring.sh or the brief's dbus-run-session line; skipped (and says so) without a Secret Service.
const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING || process.env.GNOME_KEYRING_CONTROL);

function context(dataDir: string, env: NodeJS.ProcessEnv, argv: string[] = []): CommandContext & { out: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stdout.on('data', (c: Buffer) => (text += c.toString()));
  stderr.on('data', (c: Buffer) => (text += c.toString()));
  return { argv, dataDir, configFile: join(dataDir, 'config.json'), env, stdin: Readable.from([]), stdout, stderr, out: () => text };
}

describe.runIf(hasKeyring)('pairing with the real keychain', () => {
  let sandbox: Sandbox | null = null;
  let dir: string | null = null;
  afterEach(async () => {
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pair shows code, link and QR; after approval the keychain holds the secrets; forwarding rotates them; unpair deletes them; the log holds none', async () => {
    sandbox = await startSandbox({ pollIntervalS: 1, faults: { expireTokensNext: 1 } });
    dir = mkdtempSync(join(tmpdir(), 'tp-cloud-keychain-'));
    const service = `${process.env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE ?? 'tp-test'}-cloud-${process.pid}`;
    const env = { ...process.env, TAXPOYNT_BRIDGE_CLOUD_URL: sandbox.url, TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE: service };

    const ctx = context(dir, env, ['--name', 'till-pc']);
    const approver = setInterval(() => {
      const code = /\b([A-Z]{4}-[A-Z]{4})\b/.exec(ctx.out())?.[1];
      if (code) {
        clearInterval(approver);
        void fetch(`${sandbox!.url}/sandbox/device/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_code: code }) });
      }
    }, 20);
    const exit = await pairCommand.run(ctx);
    clearInterval(approver);
    expect(exit).toBe(0);
    const out = ctx.out();
    expect(out).toContain(`${sandbox.url}/device`);
    expect(out).toMatch(/[▄▀█]/); // the QR code was drawn
    expect(out).toContain('Paired with Mama Put Kitchen Ltd');
    expect(out).toContain('12345678-0001');

    const vault = new KeychainVault(service);
    const firstRefresh = await vault.get('refresh-token');
    expect(firstRefresh).toMatch(/^rt_/);
    expect(await vault.get('signing-secret')).toBeTruthy();

    const queue = new MemoryQueue();
    for (let i = 1; i <= 5; i++) queue.add(makeTransaction(i));
    const log = new Logger({ file: logFile(dir), level: 'debug' });
    const forwarder = new Forwarder({
      baseUrl: sandbox.url,
      queue,
      vault,
      log,
      batch: { max_items: 2, max_bytes: 1 << 20, max_wait_ms: 0 },
      rate: { max_rps: 50 },
      agentVersion: '0.1.0-test',
      remoteConfig: false,
    });
    forwarder.start();
    await forwarder.syncNow();
    await forwarder.stop();
    expect(queue.inState('accepted')).toHaveLength(5);
    expect(forwarder.status().business?.business_name).toBe('Mama Put Kitchen Ltd');
    const rotated = await vault.get('refresh-token');
    expect(rotated).not.toBe(firstRefresh); // refresh on start + after token_expired: rotation kept in the keychain
    expect(sandbox.state.refresh_tokens[rotated!]!.alive).toBe(true);

    const unpairCtx = context(dir, env);
    expect(await unpairCommand.run(unpairCtx)).toBe(0);
    expect(unpairCtx.out()).toContain('Unpaired from Mama Put Kitchen Ltd');
    expect(await vault.get('refresh-token')).toBeNull();
    expect(await vault.get('signing-secret')).toBeNull();
    expect(sandbox.state.refresh_tokens[rotated!]!.alive).toBe(false);

    const logText = readFileSync(logFile(dir), 'utf8');
    expect(logText).toContain('access token refreshed');
    const secrets = [...Object.keys(sandbox.state.refresh_tokens), ...Object.values(sandbox.state.agents).map((a) => a.signing_secret)];
    for (const secret of secrets) expect(logText).not.toContain(secret);
    expect(logText).not.toMatch(/at_[0-9a-f]{16}/);
    expect(logText).not.toMatch(/[0-9a-f]{48}/); // device codes
    expect(out).not.toMatch(/rt_[0-9a-f]{16}|at_[0-9a-f]{16}/);
  });
});
