// Remote config overriding local settings (issue 18 §5): said in the log once per change, naming the setting and both values, and shown by `config show` (text and --json).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileMemory, learnedLimitsFile } from '../../main/cloud/learned-limits.js';
import { writeConfigFile } from '../../main/engine/config.js';
import { DEFAULT_REMOTE_CONFIG } from '../../sandbox/server.js';
import { rig, type Rig } from './fixture.js';

const open: Rig[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cloud-overrides-'));
  dirs.push(d);
  return d;
}

/** Local config: max_wait_ms 500 and max_rps 1000, where the sandbox's remote config says 2000 and 10. */
const LOCAL = { batch: { max_items: 100, max_bytes: 1 << 20, max_wait_ms: 500 }, rate: { max_rps: 1000 } };

async function forwarderIn(dataDir: string): Promise<Rig> {
  const r = await rig({}, { ...LOCAL, memory: fileMemory(learnedLimitsFile(dataDir)), remoteConfig: { pollMs: 3600_000 } });
  open.push(r);
  return r;
}

interface Said {
  msg: string;
  setting: string;
  local?: number;
  remote?: number;
  source?: string;
}
function overrideLines(r: Rig, from = 0): Said[] {
  return r.lines
    .slice(from)
    .map((l) => JSON.parse(l) as Said)
    .filter((l) => l.msg.startsWith('remote config') && l.msg.includes('overrides'));
}

describe('remote config overriding a local setting', () => {
  it('is logged once per change, naming the setting, the local and the remote value; a restart says it once', async () => {
    const dataDir = tempDir();
    const r = await forwarderIn(dataDir);
    r.sandbox.setRemoteConfig({ ...DEFAULT_REMOTE_CONFIG, version: 2 });
    r.forwarder.start();
    await r.forwarder.pollConfigNow();
    expect(r.forwarder.currentLimits().max_wait_ms).toBe(2000);
    expect(overrideLines(r).map(({ msg, setting, local, remote }) => ({ msg, setting, local, remote }))).toEqual([
      { msg: 'remote config overrides a local setting', setting: 'batch.max_wait_ms', local: 500, remote: 2000 },
      { msg: 'remote config overrides a local setting', setting: 'rate.max_rps', local: 1000, remote: 10 },
    ]);

    // A new version that changes something else: the overrides are as they were, nothing more is said.
    let seen = r.lines.length;
    r.sandbox.setRemoteConfig({ ...DEFAULT_REMOTE_CONFIG, version: 3, log_level: 'debug' });
    await r.forwarder.pollConfigNow();
    expect(r.lines.slice(seen).some((l) => l.includes('remote config applied'))).toBe(true);
    expect(overrideLines(r, seen)).toEqual([]);

    // A new remote value is said again; an override that ends is said to end.
    seen = r.lines.length;
    r.sandbox.setRemoteConfig({ ...DEFAULT_REMOTE_CONFIG, version: 4, batch: { ...DEFAULT_REMOTE_CONFIG.batch, max_wait_ms: 1000 } });
    await r.forwarder.pollConfigNow();
    expect(overrideLines(r, seen).map(({ setting, local, remote }) => ({ setting, local, remote }))).toEqual([{ setting: 'batch.max_wait_ms', local: 500, remote: 1000 }]);
    seen = r.lines.length;
    r.sandbox.setRemoteConfig({ ...DEFAULT_REMOTE_CONFIG, version: 5, batch: { ...DEFAULT_REMOTE_CONFIG.batch, max_wait_ms: 500 } });
    await r.forwarder.pollConfigNow();
    expect(overrideLines(r, seen).map(({ msg, setting }) => ({ msg, setting }))).toEqual([{ msg: 'remote config no longer overrides a local setting', setting: 'batch.max_wait_ms' }]);
    await r.close();
    open.splice(open.indexOf(r), 1);

    // A restart: the remote config kept in the data dir is in force at once, and said once (not again at the first poll).
    const again = await forwarderIn(dataDir);
    again.sandbox.setRemoteConfig({ ...DEFAULT_REMOTE_CONFIG, version: 5, batch: { ...DEFAULT_REMOTE_CONFIG.batch, max_wait_ms: 500 } });
    again.forwarder.start();
    await again.forwarder.pollConfigNow();
    const said = overrideLines(again);
    expect(said.map(({ setting, local, remote }) => ({ setting, local, remote }))).toEqual([{ setting: 'rate.max_rps', local: 1000, remote: 10 }]);
    expect(said[0]!.source).toMatch(/kept across the restart/);
  });

  it('`config show` lists what the remote config in force overrides, in text and in --json', async () => {
    const dataDir = tempDir();
    writeConfigFile(join(dataDir, 'config.json'), LOCAL);
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(process.cwd(), 'dist', 'main', 'cli.js'), '--data-dir', dataDir, 'config', 'show', ...args], { encoding: 'utf8', env: { ...process.env, TAXPOYNT_BRIDGE_CLOUD_URL: '' } });

    // Before any remote config: nothing is overridden.
    expect(JSON.parse(cli('--json').stdout).remote_overrides).toEqual([]);
    expect(cli().stdout).not.toContain('remote config');

    // The forwarder polls the sandbox (max_wait_ms 2000, max_rps 10) and keeps it in the data dir, as the engine does.
    const r = await forwarderIn(dataDir);
    r.sandbox.setRemoteConfig({ ...DEFAULT_REMOTE_CONFIG, version: 6 });
    r.forwarder.start();
    await r.forwarder.pollConfigNow();

    const json = cli('--json');
    expect(json.status).toBe(0);
    const shown = JSON.parse(json.stdout);
    expect(shown.batch.max_wait_ms).toBe(500); // the file's value stays as written
    expect(shown.remote_overrides).toEqual([
      { setting: 'batch.max_wait_ms', local: 500, remote: 2000, version: 6 },
      { setting: 'rate.max_rps', local: 1000, remote: 10, version: 6 },
    ]);
    const text = cli();
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('# remote config (version 6) overrides, in force instead of the values above:');
    expect(text.stdout).toContain('#   batch.max_wait_ms: local 500, remote 2000 (in force)');
    expect(text.stdout).toContain('#   rate.max_rps: local 1000, remote 10 (in force)');
  });
});
