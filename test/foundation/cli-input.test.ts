// Bad input gets a bounded, clear answer: print jobs over 64 MiB (or endless, like /dev/zero) refused with the limit named; a non-profile file not quoted; config problems capped.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, ftruncateSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const cli = join(process.cwd(), 'dist', 'main', 'cli.js');
let dir: string;
const env = () => ({ ...process.env, TAXPOYNT_BRIDGE_DATA_DIR: join(dir, 'data'), TAXPOYNT_BRIDGE_CLOUD_URL: '' });

function bridge(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { env: env(), encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-input-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in a child whose standard input is /dev/zero; resolves with its exit code, stderr and peak RSS (or kills it after a generous bound). */
function fromDevZero(args: string[]): Promise<{ code: number | null; err: string; maxRssMiB: number | null; killed: boolean }> {
  const script = [
    `const { main } = await import(${JSON.stringify(pathToFileURL(cli).href)});`,
    `const code = await main(${JSON.stringify(args)}, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });`,
    `process.stderr.write('maxrss=' + Math.round(process.resourceUsage().maxRSS / 1024) + '\\n');`,
    'process.exit(code);',
  ].join('\n');
  const zero = openSync('/dev/zero', 'r');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: env(), stdio: [zero, 'pipe', 'pipe'] });
  closeSync(zero);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d));
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, 90_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      const rss = /maxrss=(\d+)/.exec(err);
      resolve({ code, err, maxRssMiB: rss ? Number(rss[1]) : null, killed });
    }),
  );
}

describe('bounded input', () => {
  for (const args of [['ingest', '-', '--device', 'lane-1'], ['decode', '-']]) {
    it(`${args.join(' ')} < /dev/zero stops at 64 MiB, says so, and its memory stays bounded`, async () => {
      const r = await fromDevZero(args);
      expect(r.killed, 'the command never stopped reading /dev/zero').toBe(false);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/standard input holds more than 64 MiB, the most a print job may be/);
      // 64 MiB of job plus Node itself; an unbounded read would pass this long before it gave up.
      expect(r.maxRssMiB).not.toBeNull();
      expect(r.maxRssMiB!).toBeLessThan(400);
      expect(existsSync(join(dir, 'data', 'bridge.db'))).toBe(false);
    }, 120_000);
  }

  it('a file over 64 MiB, or a device file with no end, is refused with the limit named before anything is stored', () => {
    const big = join(dir, 'big.bin');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 64 * 1024 * 1024 + 1);
    closeSync(fd);
    for (const args of [['ingest', big, '--device', 'lane-1'], ['parse', big], ['decode', '/dev/zero']]) {
      const r = bridge(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/holds more than 64 MiB, the most a print job may be/);
    }
    expect(existsSync(join(dir, 'data', 'bridge.db'))).toBe(false);
  });

  it('parse --profile of a file that is not a profile says so without printing the file', () => {
    const job = join(dir, 'job.bin');
    writeFileSync(job, '\x1b@TOTAL 100.00\n\x1dV\x00');
    const files = {
      passwd: 'root:x:0:0:TOPSECRET-CONTENT:/root:/bin/bash\n',
      tokens: JSON.stringify({ refresh_token: 'TOPSECRET-CONTENT', TOPSECRET_KEY: 1 }),
      list: JSON.stringify(['TOPSECRET-CONTENT']),
    };
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(dir, name), text);
      const r = bridge('parse', job, '--profile', join(dir, name));
      expect(r.code, name).toBe(2);
      expect(r.err).toMatch(/is not a receipt profile/);
      expect(r.err + r.out).not.toContain('TOPSECRET');
    }
  });
});

describe('config validate', () => {
  it('prints at most 20 problems and counts the rest', () => {
    const devices = Array.from({ length: 30 }, (_, i) => ({ id: `lane-${i}`, kind: 'serial_tap', path: '/dev/ttyS0', parity: 'sometimes' }));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ devices }));
    const r = bridge('--config', join(dir, 'config.json'), 'config', 'validate');
    expect(r.code).toBe(3);
    expect(r.err.split('\n').filter((l) => /^\s+- devices\[\d+\]\.parity/.test(l))).toHaveLength(20);
    expect(r.err).toMatch(/… and 10 more problems/);
  });

  it('refuses a string longer than the maximum, naming where it is, and a file larger than a config can be', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ devices: [{ id: 'lane-1', kind: 'serial_tap', path: '/dev/ttyS0', terminal_id: 'T'.repeat(100_000) }] }));
    const r = bridge('--config', join(dir, 'config.json'), 'config', 'validate');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/devices\[0\]\.terminal_id: is 100000 characters long; at most 2048 are allowed/);
    expect(r.err.length).toBeLessThan(2000);

    writeFileSync(join(dir, 'config.json'), JSON.stringify({ log_level: 'info', pad: ' '.repeat(2 * 1024 * 1024) }));
    const huge = bridge('--config', join(dir, 'config.json'), 'config', 'validate');
    expect(huge.code).toBe(3);
    expect(huge.err).toMatch(/a config file is at most 1024 KiB/);
  });

  it('broken JSON is refused by line and column, without quoting the file', () => {
    writeFileSync(join(dir, 'config.json'), 'TOPSECRET-CONTENT: not json\n');
    const r = bridge('--config', join(dir, 'config.json'), 'config', 'validate');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/not valid JSON/);
    expect(r.err).not.toContain('TOPSECRET');
  });
});
