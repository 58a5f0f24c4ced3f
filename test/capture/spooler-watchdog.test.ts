// Printing never depends on the bridge: `run` killed -9 in front of a real CUPS queue → jobs wait and print after the restart; the watchdog gives the queue back after its time-out, with an alert saying what was not captured; the next start takes it over again.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTakeovers } from '../../main/capture/spooler/index.js';
import { writeConfigFile } from '../../main/engine/config.js';
import { KeychainVault } from '../../main/vault/index.js';
import { privateCupsProblem, startPrivateCups, type PrivateCups } from '../../sandbox/private-cups.js';
import { lacks } from '../support/platform.js';
import { waitFor } from '../support/wait.js';
import { startTcpPrinter, type TcpPrinter } from './tcp-printer.js';

const cli = join(process.cwd(), 'dist', 'main', 'cli.js');
const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING);
const noCups = privateCupsProblem();
if (noCups) console.warn(`skipped: the spooler watchdog test, because ${noCups}`);

interface Proc {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  exited: Promise<number | null>;
}

const receipt = (n: number) => Buffer.from(`\x1b@SHOP ${n}\nBread          1,000.00\nTOTAL          1,000.00\nJOB-${n}-END\n\x1dV\x00`, 'latin1');

describe.runIf(hasKeyring && !noCups && !lacks('signals', 'the kill -9 spooler test'))('spooler take-over survives the bridge: kill -9, restart, watchdog', () => {
  let cups: PrivateCups;
  let printer: TcpPrinter;
  let dir: string;
  const service = `tp-test-spooler-${process.pid}`;
  const running: Proc[] = [];

  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error('run `npm run build` first: this test starts dist/main/cli.js');
    cups = await startPrivateCups();
    printer = await startTcpPrinter();
    dir = mkdtempSync(join(tmpdir(), 'tp-spooler-wd-'));
  });
  afterAll(async () => {
    for (const p of running) p.child.kill('SIGKILL');
    await printer?.close();
    await cups?.stop();
    await new KeychainVault(service).delete('database-key');
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({ ...cups.env, TAXPOYNT_BRIDGE_WATCHDOG_SERVICE: 'manual', TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE: service, TAXPOYNT_BRIDGE_CLOUD_URL: 'http://127.0.0.1:9', TAXPOYNT_BRIDGE_DATA_DIR: join(dir, 'data') });

  function start(args: string[]): Proc {
    const child = spawn(process.execPath, [cli, ...args], { env: env() });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const proc = { child, out: () => out, exited };
    running.push(proc);
    return proc;
  }
  async function cmd(...args: string[]): Promise<string> {
    const p = start(args);
    const code = await p.exited;
    if (code !== 0) throw new Error(`taxpoynt-bridge ${args.join(' ')} exited ${code}: ${p.out()}`);
    return p.out();
  }
  async function lp(n: number): Promise<void> {
    const file = join(dir, `job-${n}.bin`);
    writeFileSync(file, receipt(n));
    await cups.tool('lp', ['-d', 'WD80', '-o', 'raw', file]);
  }
  const has = (n: number) => printer.bytes().includes(receipt(n));
  async function engine(): Promise<Proc> {
    const run = start(['run']);
    await waitFor(() => /running \(pid \d+\)/.test(run.out()), 20_000, 'the engine to start');
    return run;
  }

  it('jobs wait in CUPS while the bridge is dead and print after it restarts; the watchdog gives the queue back and the bridge takes it again', async () => {
    const original = printer.uri;
    await cups.tool('lpadmin', ['-p', 'WD80', '-E', '-v', original]);
    writeConfigFile(join(dir, 'data', 'config.json'), { devices: [] });
    await cmd('devices', 'takeover', 'WD80', '--id', 'till', '--give-back-after', '2');
    const taken = (await cups.tool('lpstat', ['-v', 'WD80'])).trim();
    expect(taken).toMatch(/socket:\/\/127\.0\.0\.1:\d+$/);

    let run = await engine();
    await lp(1);
    await waitFor(() => has(1), 15_000, 'job 1 through the bridge');
    // The bridge stores a job a moment after the printer has it (paper first): the kill comes after that.
    await new Promise((r) => setTimeout(r, 1000));

    // kill -9: the job waits in the queue, nothing reaches the printer, and it prints once the bridge is back.
    run.child.kill('SIGKILL');
    await run.exited;
    await lp(2);
    await new Promise((r) => setTimeout(r, 1500));
    expect(has(2)).toBe(false);
    expect(await cups.tool('lpstat', ['-o', 'WD80'])).toMatch(/^WD80-\d+/m);
    run = await engine();
    await waitFor(() => has(2), 40_000, 'job 2 to print after the restart');
    await new Promise((r) => setTimeout(r, 1000));

    // Killed again, and the watchdog (2 s grace) gives the queue back to the printer.
    run.child.kill('SIGKILL');
    await run.exited;
    const watchdog = start(['watchdog', '--every', '0.3']);
    await waitFor(() => watchdog.out().includes('ALERT spooler_given_back'), 15_000, 'the watchdog to give the queue back');
    expect(watchdog.out()).toContain('NOT captured');
    expect((await cups.tool('lpstat', ['-v', 'WD80'])).trim()).toBe(`device for WD80: ${original}`);
    expect(readTakeovers(join(dir, 'data'))[0]).toMatchObject({ id: 'till', phase: 'given_back' });
    const down = JSON.parse(await cmd('status', '--json')) as { alerts: Array<{ code: string; message: string }> };
    expect(down.alerts.find((a) => a.code === 'spooler_given_back')?.message).toMatch(/WD80 prints straight to its printer.*NOT captured/);
    await lp(3);
    await waitFor(() => has(3), 20_000, 'job 3 straight to the printer while the bridge is down');

    // The bridge comes back: the queue is its again, and an alert says receipts were missed meanwhile.
    run = await engine();
    expect((await cups.tool('lpstat', ['-v', 'WD80'])).trim()).toBe(taken);
    await waitFor(() => existsSync(join(dir, 'data', 'status.json')) && readFileSync(join(dir, 'data', 'status.json'), 'utf8').includes('spooler_given_back'), 10_000, 'the alert in the status');
    const status = JSON.parse(await cmd('status', '--json')) as { alerts: Array<{ code: string; message: string }> };
    expect(status.alerts.find((a) => a.code === 'spooler_given_back')?.message).toMatch(/WD80.*NOT captured/);
    // While the engine runs, the watchdog leaves the queue alone.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await cups.tool('lpstat', ['-v', 'WD80'])).trim()).toBe(taken);
    expect(watchdog.out().match(/ALERT/g)).toHaveLength(1);
    await lp(4);
    await waitFor(() => has(4), 15_000, 'job 4 through the bridge again');
    watchdog.child.kill('SIGTERM');
    expect(await watchdog.exited).toBe(0);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    // Journaled: jobs 1, 2 and 4, once each; job 3 printed while the queue was given back, not captured.
    const { transactions } = JSON.parse(await cmd('queue', '--json')) as { transactions: Array<{ id: string; deviceId: string }> };
    expect(transactions).toHaveLength(3);
    for (const t of transactions) expect(t.deviceId).toBe('till');
    for (const n of [1, 2, 3, 4]) expect(printer.bytes().indexOf(receipt(n))).toBe(printer.bytes().lastIndexOf(receipt(n)));

    await cmd('devices', 'release', 'till');
    expect((await cups.tool('lpstat', ['-v', 'WD80'])).trim()).toBe(`device for WD80: ${original}`);
  }, 150_000);
});
