// The CLI as a user types it: help, version, config show/set/validate, a broken config file refused with the field named.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const cli = join(process.cwd(), 'dist', 'main', 'cli.js');
let dir: string;

function bridge(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, TAXPOYNT_BRIDGE_DATA_DIR: dir, TAXPOYNT_BRIDGE_CLOUD_URL: '' }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('taxpoynt-bridge CLI', () => {
  it('--help lists every command with a summary, none failing to load', () => {
    const r = bridge('--help');
    expect(r.code).toBe(0);
    for (const name of ['run', 'status', 'doctor', 'config', 'devices', 'decode', 'parse', 'ingest', 'queue', 'pair', 'unpair', 'update', 'diagnostics']) {
      expect(r.out).toMatch(new RegExp(`^  ${name}\\s+\\S`, 'm'));
    }
    expect(r.out).not.toContain('could not load');
    expect(r.out).toContain('--data-dir');
  });

  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(bridge('--version').out.trim()).toBe(pkg.version);
  });

  it('an unknown command says so and exits 2', () => {
    const r = bridge('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "frobnicate"/);
  });

  it('an unknown option to any command is a usage error (exit 2) that points at --help', () => {
    for (const args of [['status', '--bogus'], ['doctor', '--bogus'], ['decode', '--bogus', 'x'], ['run', '--bogus']]) {
      const r = bridge(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/Unknown option '--bogus'.*see --help/);
    }
  });

  it('config set then show round-trips, and --config points at another file', () => {
    expect(bridge('config', 'set', 'retention_days', '30').code).toBe(0);
    expect(JSON.parse(bridge('config', 'show', '--json').out).retention_days).toBe(30);
    const other = join(dir, 'other.json');
    expect(bridge('--config', other, 'config', 'set', 'log_level', 'debug').code).toBe(0);
    expect(JSON.parse(readFileSync(other, 'utf8'))).toEqual({ log_level: 'debug' });
  });

  it('a broken config file is refused by validate and by run, naming the file and the field, exit 3', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ cloud: { base_url: 'ftp://x' }, retention_days: 'ninety' }));
    for (const args of [['config', 'validate'], ['run']]) {
      const r = bridge(...args);
      expect(r.code).toBe(3);
      expect(r.err).toContain(join(dir, 'config.json'));
      expect(r.err).toContain('cloud.base_url');
      expect(r.err).toContain('retention_days');
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  it('config set refuses an invalid value and leaves the file as it was', () => {
    bridge('config', 'set', 'batch.max_items', '50');
    const r = bridge('config', 'set', 'batch.max_items', '100000');
    expect(r.code).toBe(3);
    expect(r.err).toContain('batch.max_items');
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual({ batch: { max_items: 50 } });
  });
});
