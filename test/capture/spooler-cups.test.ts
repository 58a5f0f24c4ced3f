// Taking over a CUPS queue on a real, private cupsd: lp jobs journaled once and printed byte-identical (straight and through the direct queue), release restores the queue exactly, the kill switch keeps printing, Text-Only jobs parse, hostile names refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../main/cli/command.js';
import { command as devices } from '../../main/cli/devices.js';
import { DeviceConfig } from '../../main/capture/index.js';
import { PrinterLink } from '../../main/capture/printer-link.js';
import { CupsSpooler, giveBack, readTakeovers, writeTakeovers, type TakeoverEntry } from '../../main/capture/spooler/index.js';
import { Bridge } from '../../main/engine/bridge.js';
import { readRawConfig, writeConfigFile } from '../../main/engine/config.js';
import { resumeTakeovers, watchdogStep } from '../../main/engine/takeovers.js';
import { decode, receiptText } from '../../main/escpos/index.js';
import { Logger } from '../../main/telemetry/log.js';
import { MemoryVault } from '../../main/vault/index.js';
import { printReceipt, randomReceiptSpec } from '../../sandbox/receipt-printer.js';
import { privateCupsProblem, startPrivateCups, type PrivateCups } from '../../sandbox/private-cups.js';
import { seeded, waitFor } from '../support/wait.js';
import { startTcpPrinter, type TcpPrinter } from './tcp-printer.js';

const noCups = privateCupsProblem();
if (noCups) console.warn(`skipped: the CUPS spooler tests, because ${noCups}`);
const log = new Logger({ level: 'error' });

/** A receipt as a till prints it, with every byte value 0x00–0xff in a logo-like block before the cut. */
function job(seed: number): Buffer {
  const receipt = Buffer.from(printReceipt(randomReceiptSpec(seeded(seed))));
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  // After the receipt's ESC @, GS v 0: a 32×8 raster logo holding the 256 byte values.
  if (receipt[0] !== 0x1b || receipt[1] !== 0x40) throw new Error('the sandbox receipt no longer starts with ESC @');
  return Buffer.concat([receipt.subarray(0, 2), Buffer.from([0x1d, 0x76, 0x30, 0x00, 32, 0, 8, 0]), all, receipt.subarray(2)]);
}

describe.skipIf(noCups)('spooler take-over on a real CUPS scheduler', () => {
  let cups: PrivateCups;
  let printer: TcpPrinter;
  let dir: string;
  let bridge: Bridge | undefined;
  const queueUri = () => `socket://127.0.0.1:${printer.port}`;

  beforeAll(async () => {
    cups = await startPrivateCups();
    printer = await startTcpPrinter();
  });
  afterAll(async () => {
    await printer?.close();
    await cups?.stop();
  });
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function setup(): { dataDir: string; configFile: string } {
    dir = mkdtempSync(join(tmpdir(), 'tp-spooler-'));
    const dataDir = join(dir, 'data');
    const configFile = join(dataDir, 'config.json');
    writeConfigFile(configFile, { cloud: { base_url: 'http://127.0.0.1:9' }, devices: [] });
    return { dataDir, configFile };
  }

  async function cli(dataDir: string, configFile: string, ...argv: string[]) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (d) => (out += d));
    stderr.on('data', (d) => (out += d));
    // No watchdog service is installed for a test's data dir (test/engine/watchdog-service.test.ts covers that).
    const ctx: CommandContext = { argv, dataDir, configFile, env: { ...cups.env, TAXPOYNT_BRIDGE_WATCHDOG_SERVICE: 'manual' }, stdin: new PassThrough(), stdout, stderr };
    const code = await devices.run(ctx).catch((err: Error) => {
      out += err.message;
      return (err as { code?: string }).code === 'usage' ? 2 : 1;
    });
    return { code, out };
  }

  async function lp(queue: string, bytes: Uint8Array, raw = true): Promise<void> {
    const file = join(dir, `job-${Date.now()}-${Math.random()}.bin`);
    writeFileSync(file, bytes);
    await cups.tool('lp', ['-d', queue, ...(raw ? ['-o', 'raw'] : []), file]);
  }

  async function startBridge(dataDir: string, configFile: string): Promise<Bridge> {
    bridge = await Bridge.start({ dataDir, configFile, version: '0.0.0-test', vault: new MemoryVault(), env: cups.env, updates: false, forwarder: { idlePollMs: 60_000 } });
    await waitFor(() => bridge!.status().devices.every((d) => d.status === 'listening'), 5000, `the virtual printer to listen (${JSON.stringify(bridge!.status().devices.map((d) => [d.status, d.detail]))})`);
    return bridge;
  }

  const receipts = (b: Bridge) => b.store.list({ limit: 100 });

  it('lists the queue with its driver, device URI and receipt-printer guess', async () => {
    const { dataDir, configFile } = setup();
    await cups.tool('lpadmin', ['-p', 'LIST80', '-E', '-v', queueUri(), '-D', 'Bar till']);
    await cups.tool('lpadmin', ['-p', 'Office-Laser', '-E', '-v', 'ipp://10.0.0.9/ipp/print', '-m', 'drv:///sample.drv/generpcl.ppd']);
    const { code, out } = await cli(dataDir, configFile, '--json');
    expect(code).toBe(0);
    const queues = (JSON.parse(out) as { print_queues: Array<{ name: string; driver: string; port: string; receiptPrinter: boolean; takenOverBy: string | null }> }).print_queues;
    expect(queues.find((q) => q.name === 'LIST80')).toEqual({ name: 'LIST80', driver: 'Local Raw Printer', port: queueUri(), receiptPrinter: true, takenOverBy: null, bridgeDirect: false });
    expect(queues.find((q) => q.name === 'Office-Laser')).toMatchObject({ driver: 'Generic PCL Laser Printer', receiptPrinter: false });
    const plain = (await cli(dataDir, configFile)).out;
    expect(plain).toContain(`Print queues:\n`);
    expect(plain).toContain(`  LIST80  Local Raw Printer  ${queueUri()}  [receipt printer]\n`);
    expect(plain).toContain('  Office-Laser  Generic PCL Laser Printer  ipp://10.0.0.9/ipp/print\n');
    await cups.tool('lpadmin', ['-x', 'LIST80']);
    await cups.tool('lpadmin', ['-x', 'Office-Laser']);
  });

  for (const via of ['auto', 'queue'] as const) {
    it(`take-over (${via === 'auto' ? 'straight to the socket printer' : 'through the hidden direct queue'}): lp jobs are journaled once and reach the printer byte-identical; release restores the queue exactly`, async () => {
      const { dataDir, configFile } = setup();
      const queue = `POS80-${via}`;
      await cups.tool('lpadmin', ['-p', queue, '-E', '-v', queueUri(), '-D', 'Front till']);
      const before = { uri: await cups.tool('lpstat', ['-v', queue]), options: await cups.tool('lpoptions', ['-p', queue]) };

      const taken = await cli(dataDir, configFile, 'takeover', queue, '--id', `till-${via}`, '--via', via);
      expect(taken.code, taken.out).toBe(0);
      // The take-over says whether a watchdog will give the queue back while the bridge is down.
      expect(taken.out).toContain('Watchdog: not installed: TAXPOYNT_BRIDGE_WATCHDOG_SERVICE=manual');
      const device = DeviceConfig.parse((readRawConfig(configFile).devices as unknown[])[0]);
      expect(device).toMatchObject({ id: `till-${via}`, kind: 'virtual_printer', allow: ['127.0.0.1', '::1'] });
      if (device.kind !== 'virtual_printer' || !device.printer || !('spooler' in device.printer)) throw new Error('not a spooler printer');
      expect(device.printer.spooler).toBe(`${queue}-TaxPoynt-direct`);
      expect(device.printer.direct).toEqual(via === 'auto' ? { tcp: `127.0.0.1:${printer.port}` } : undefined);
      expect('tcp' in device.listen && device.listen.tcp).toMatch(/^127\.0\.0\.1:\d+$/);
      // The POS's queue keeps its name and now prints to the bridge; the direct queue keeps the printer's URI.
      expect(await cups.tool('lpstat', ['-v', queue])).toBe(`device for ${queue}: socket://${'tcp' in device.listen ? device.listen.tcp : ''}\n`);
      expect(await cups.tool('lpstat', ['-v', `${queue}-TaxPoynt-direct`])).toBe(`device for ${queue}-TaxPoynt-direct: ${queueUri()}\n`);
      expect((await cli(dataDir, configFile, '--json')).out).toContain(`"takenOverBy": "till-${via}"`);

      const b = await startBridge(dataDir, configFile);
      const start = printer.bytes().length;
      const jobs = [job(1), job(2), job(3)];
      for (const j of jobs) await lp(queue, j);
      const expected = Buffer.concat(jobs);
      await waitFor(() => printer.bytes().length - start >= expected.length, 20_000, 'the printer to receive the three jobs');
      await new Promise((r) => setTimeout(r, 200));
      expect(printer.bytes().subarray(start).equals(expected)).toBe(true);
      await waitFor(() => receipts(b).length >= 3, 10_000, 'three receipts journaled');
      const rows = receipts(b);
      expect(rows).toHaveLength(3);
      // The device's own id (the lane's address is kept beside it, not in the id), and the loopback lane CUPS printed from.
      for (const row of rows) expect(row.deviceId).toBe(`till-${via}`);
      for (const row of rows) expect(b.store.readJournal(row.id)!.address).toBe('127.0.0.1');
      // Each job journaled once, as the POS sent it.
      const journaled = rows.map((r) => Buffer.from(b.store.readJournal(r.id)!.bytes)).sort(Buffer.compare);
      expect(journaled).toEqual([...jobs].sort(Buffer.compare));
      await b.stop();
      bridge = undefined;

      const released = await cli(dataDir, configFile, 'release', `till-${via}`);
      expect(released.code, released.out).toBe(0);
      expect(await cups.tool('lpstat', ['-v', queue])).toBe(before.uri);
      const strip = (o: string) => o.replace(/ (printer-state-change-time|marker-change-time)=\d+/g, '');
      expect(strip(await cups.tool('lpoptions', ['-p', queue]))).toBe(strip(before.options));
      await expect(cups.tool('lpstat', ['-v', `${queue}-TaxPoynt-direct`])).rejects.toThrow();
      expect(readTakeovers(dataDir)).toEqual([]);
      expect(readRawConfig(configFile).devices).toEqual([]);
      // And the POS prints straight to the printer again.
      const after = printer.bytes().length;
      await lp(queue, job(9));
      await waitFor(() => printer.bytes().length - after >= job(9).length, 15_000, 'a job after release');
      await cups.tool('lpadmin', ['-x', queue]);
    });
  }

  it('with capture switched off, or the device disabled, the taken-over queue keeps printing, and nothing is journaled', async () => {
    const { dataDir, configFile } = setup();
    await cups.tool('lpadmin', ['-p', 'KILL80', '-E', '-v', queueUri()]);
    expect((await cli(dataDir, configFile, 'takeover', 'KILL80', '--id', 'kill')).code).toBe(0);
    const b = await startBridge(dataDir, configFile);
    await b.setPaused(true);
    const start = printer.bytes().length;
    await lp('KILL80', job(4));
    await waitFor(() => printer.bytes().length - start >= job(4).length, 15_000, 'the job to print while capture is off');
    expect(printer.bytes().subarray(start).equals(job(4))).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(receipts(b)).toHaveLength(0);
    expect(b.status().devices[0]).toMatchObject({ deviceId: 'kill', status: 'listening', journaling: false });
    await b.stop();
    bridge = undefined;
    // Disabled, the device still stands in front of the queue: the till must keep printing.
    const raw = readRawConfig(configFile);
    writeConfigFile(configFile, { ...raw, devices: (raw.devices as Array<Record<string, unknown>>).map((d) => ({ ...d, enabled: false })) });
    const disabled = await startBridge(dataDir, configFile);
    const mark = printer.bytes().length;
    await lp('KILL80', job(5));
    await waitFor(() => printer.bytes().length - mark >= job(5).length, 15_000, 'the job to print through a disabled device');
    expect(printer.bytes().subarray(mark).equals(job(5))).toBe(true);
    expect(receipts(disabled)).toHaveLength(0);
    await disabled.stop();
    bridge = undefined;
    expect((await cli(dataDir, configFile, 'release', 'kill')).code).toBe(0);
    await cups.tool('lpadmin', ['-x', 'KILL80']);
  });

  it('jobs from the Generic Text-Only driver (plain text, no ESC/POS) parse as receipts', async () => {
    const { dataDir, configFile } = setup();
    await cups.tool('lpadmin', ['-p', 'TEXT80', '-E', '-v', queueUri(), '-m', 'drv:///cupsfilters.drv/textonly.ppd']);
    expect((await cli(dataDir, configFile, 'takeover', 'TEXT80', '--id', 'text')).code).toBe(0);
    const b = await startBridge(dataDir, configFile);
    const text = receiptText(decode(printReceipt(randomReceiptSpec(seeded(11))))[0]!);
    const file = join(dir, 'receipt.txt');
    writeFileSync(file, text + '\n');
    await cups.tool('lp', ['-d', 'TEXT80', file]);
    await waitFor(() => receipts(b).length >= 1, 20_000, 'the text job to be journaled');
    const row = receipts(b)[0]!;
    const journaled = Buffer.from(b.store.readJournal(row.id)!.bytes).toString('latin1');
    expect(journaled).not.toContain('\x1b');
    expect(row.state).not.toBe('unparsed');
    expect(row.transaction?.totals.total).toBeTruthy();
    await b.stop();
    bridge = undefined;
    expect((await cli(dataDir, configFile, 'release', 'text')).code).toBe(0);
    await cups.tool('lpadmin', ['-x', 'TEXT80']);
  });

  it('a queue the watchdog gave back while the engine hung is taken over again by the running engine, with the alert', async () => {
    const { dataDir, configFile } = setup();
    await cups.tool('lpadmin', ['-p', 'HUNG80', '-E', '-v', queueUri()]);
    expect((await cli(dataDir, configFile, 'takeover', 'HUNG80', '--id', 'hung')).code).toBe(0);
    const taken = await cups.tool('lpstat', ['-v', 'HUNG80']);
    bridge = await Bridge.start({ dataDir, configFile, version: '0.0.0-test', vault: new MemoryVault(), env: cups.env, updates: false, forwarder: { idlePollMs: 60_000 }, takeoverCheckMs: 200 });
    const alerts: Array<{ code: string; message: string }> = [];
    bridge.on('alert', (a: { code: string; message: string }) => alerts.push(a));
    // What the watchdog does when the engine's status file went stale.
    await giveBack(new CupsSpooler({ env: cups.env }), dataDir, 'hung', new Date(Date.now() - 400_000), new Date());
    expect(await cups.tool('lpstat', ['-v', 'HUNG80'])).toBe(`device for HUNG80: ${queueUri()}\n`);
    await waitFor(async () => (await cups.tool('lpstat', ['-v', 'HUNG80'])) === taken, 5000, 'the engine to take the queue again');
    await waitFor(() => alerts.length > 0, 2000, 'the alert');
    expect(alerts[0]!.code).toBe('spooler_given_back');
    expect(alerts[0]!.message).toMatch(/HUNG80.*NOT captured/);
    expect(bridge.status().alerts.map((a) => a.code)).toContain('spooler_given_back');
    expect(readTakeovers(dataDir)[0]!.phase).toBe('taken');
    await bridge.stop();
    bridge = undefined;
    expect((await cli(dataDir, configFile, 'release', 'hung')).code).toBe(0);
    await cups.tool('lpadmin', ['-x', 'HUNG80']);
  });

  it("a device that cannot listen (its port taken by another program) has its queue given back by the watchdog, and the engine does not take it again while it cannot", async () => {
    const { dataDir, configFile } = setup();
    await cups.tool('lpadmin', ['-p', 'SQUAT80', '-E', '-v', queueUri()]);
    expect((await cli(dataDir, configFile, 'takeover', 'SQUAT80', '--id', 'squat', '--give-back-after', '1')).code).toBe(0);
    const entry = readTakeovers(dataDir)[0]!;
    const squatter = createServer((s) => s.destroy());
    await new Promise<void>((r) => squatter.listen(entry.listen.port, '127.0.0.1', () => r()));
    try {
      bridge = await Bridge.start({ dataDir, configFile, version: '0.0.0-test', vault: new MemoryVault(), env: cups.env, updates: false, forwarder: { idlePollMs: 60_000 }, statusFileMs: 100, takeoverCheckMs: 100 });
      await waitFor(() => bridge!.status().devices[0]?.status === 'error', 5000, 'the device to fail to listen');
      await new Promise((r) => setTimeout(r, 300));
      const notListening = new Map<string, Date>();
      const devices = bridge.config.devices;
      const first = await watchdogStep({ dataDir, devices, backend: new CupsSpooler({ env: cups.env }), log, startedAt: new Date(), notListening });
      expect(first.engine.up).toBe(true);
      expect(first.givenBack).toEqual([]);
      await new Promise((r) => setTimeout(r, 1200));
      const second = await watchdogStep({ dataDir, devices, backend: new CupsSpooler({ env: cups.env }), log, startedAt: new Date(), notListening });
      expect(second.givenBack.map((g) => g.message)).toEqual([expect.stringMatching(/not been listening.*SQUAT80 prints straight to its printer.*NOT captured/)]);
      expect(await cups.tool('lpstat', ['-v', 'SQUAT80'])).toBe(`device for SQUAT80: ${queueUri()}\n`);
      // The engine's re-take check runs every 100 ms here: the queue stays with its printer while the device cannot listen.
      await new Promise((r) => setTimeout(r, 600));
      expect(await cups.tool('lpstat', ['-v', 'SQUAT80'])).toBe(`device for SQUAT80: ${queueUri()}\n`);
      expect(readTakeovers(dataDir)[0]!.phase).toBe('given_back');
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }
    await bridge.stop();
    bridge = undefined;
    expect((await cli(dataDir, configFile, 'release', 'squat')).code).toBe(0);
    await cups.tool('lpadmin', ['-x', 'SQUAT80']);
  });

  it('a job through the direct queue that grows past the job limit goes out in parts, in order, byte for byte', async () => {
    setup();
    await cups.tool('lpadmin', ['-p', 'PARTS-direct', '-E', '-v', queueUri()]);
    const link = new PrinterLink({ spooler: 'PARTS-direct', give_back_after_s: 300 }, { onData: () => undefined, onState: () => undefined }, { log, spooler: new CupsSpooler({ env: cups.env }), spoolerMaxJobBytes: 1000 });
    await link.start();
    const start = printer.bytes().length;
    const jobs = printer.jobs.length;
    const bytes = Buffer.from(Array.from({ length: 2500 }, (_, i) => (i * 7) & 0xff));
    for (let i = 0; i < bytes.length; i += 100) link.send(bytes.subarray(i, i + 100));
    link.endJob();
    await link.stop();
    await waitFor(() => printer.bytes().length - start >= bytes.length, 15_000, 'the three parts at the printer');
    expect(printer.bytes().subarray(start).equals(bytes)).toBe(true);
    expect(printer.jobs.length - jobs).toBe(3);
    await cups.tool('lpadmin', ['-x', 'PARTS-direct']);
  });

  it('a take-over record edited to name another queue is refused, and that queue is left alone', async () => {
    const { dataDir, configFile } = setup();
    await cups.tool('lpadmin', ['-p', 'OFFICE', '-E', '-v', queueUri()]);
    writeTakeovers(dataDir, [
      {
        id: 'evil',
        spooler: 'cups',
        queue: 'POS1',
        original: { port: 'file:/etc/passwd', driver: null, snapshot: {} },
        direct: 'OFFICE',
        listen: { host: '127.0.0.1', port: 65001 },
        takenPort: 'socket://127.0.0.1:65001',
        phase: 'taken',
        giveBackAfterS: 300,
        at: new Date().toISOString(),
        givenBack: null,
      },
    ]);
    const r = await cli(dataDir, configFile, 'release', 'evil');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/would not have made/);
    expect(await cups.tool('lpstat', ['-v', 'OFFICE'])).toBe(`device for OFFICE: ${queueUri()}\n`);
    await cups.tool('lpadmin', ['-x', 'OFFICE']);
  });

  it('hostile queue names are refused before any CUPS tool runs, and nothing changes', async () => {
    const { dataDir, configFile } = setup();
    const queuesBefore = await cups.tool('lpstat', ['-v']).catch(() => '');
    for (const name of ['; rm -rf /', "it's", 'a"b', '$(reboot)', '../../etc/passwd', 'x'.repeat(10_000), 'tab\tname', 'NoSuchQueue']) {
      const r = await cli(dataDir, configFile, 'takeover', name);
      expect(r.code, name.slice(0, 40)).toBe(2);
      expect(r.out).toMatch(/queue/i);
      expect(r.out.length).toBeLessThan(2000);
    }
    expect(readTakeovers(dataDir)).toEqual([]);
    expect(await cups.tool('lpstat', ['-v']).catch(() => '')).toBe(queuesBefore);
  });

  it('a take-over a crash cut half-way is undone at the next start and by `devices release`', async () => {
    const { dataDir, configFile } = setup();
    const backend = new CupsSpooler({ env: cups.env });
    for (const [queue, how] of [['HALF1', 'start'], ['HALF2', 'release']] as const) {
      await cups.tool('lpadmin', ['-p', queue, '-E', '-v', queueUri()]);
      const info = (await backend.get(queue))!;
      const entry: TakeoverEntry = {
        id: queue.toLowerCase(),
        spooler: 'cups',
        queue,
        original: { port: info.port, driver: info.driver, snapshot: info.snapshot },
        direct: backend.directQueueName(queue),
        listen: { host: '127.0.0.1', port: 65000 },
        takenPort: 'socket://127.0.0.1:65000',
        phase: 'begun',
        giveBackAfterS: 300,
        at: new Date().toISOString(),
        givenBack: null,
      };
      // The state is saved, then the crash comes after the direct queue is made and the queue re-pointed.
      writeTakeovers(dataDir, [...readTakeovers(dataDir), entry]);
      await backend.createDirect(entry.direct, info);
      await backend.pointAtBridge(queue, 65000);
      expect(await cups.tool('lpstat', ['-v', queue])).toContain('127.0.0.1:65000');
      if (how === 'release') expect((await cli(dataDir, configFile, 'release', entry.id)).code).toBe(0);
    }
    await resumeTakeovers({ dataDir, devices: [], backend, log });
    for (const queue of ['HALF1', 'HALF2']) {
      expect(await cups.tool('lpstat', ['-v', queue])).toBe(`device for ${queue}: ${queueUri()}\n`);
      await expect(cups.tool('lpstat', ['-v', `${queue}-TaxPoynt-direct`])).rejects.toThrow();
      await cups.tool('lpadmin', ['-x', queue]);
    }
    expect(readTakeovers(dataDir)).toEqual([]);
    expect(readFileSync(join(dataDir, 'takeovers.json'), 'utf8')).toContain('"takeovers": []');
  });
});
