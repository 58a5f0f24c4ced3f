// The app's "Take over" and remove buttons, through the dispatcher, on a real private cupsd: zod-checked queue names, the device listening at once, release restoring the queue; hostile names refused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTakeovers } from '../../main/capture/spooler/index.js';
import { Bridge } from '../../main/engine/bridge.js';
import { readRawConfig, writeConfigFile } from '../../main/engine/config.js';
import { createDispatcher, type Dispatcher } from '../../main/engine/dispatcher.js';
import { MemoryVault } from '../../main/vault/index.js';
import { privateCupsProblem, startPrivateCups, type PrivateCups } from '../../sandbox/private-cups.js';
import { waitFor } from '../support/wait.js';
import { startTcpPrinter, type TcpPrinter } from './tcp-printer.js';

const noCups = privateCupsProblem();
if (noCups) console.warn(`skipped: the spooler dispatcher tests, because ${noCups}`);

describe.skipIf(noCups)('devices.takeover / devices.release through the dispatcher', () => {
  let cups: PrivateCups;
  let printer: TcpPrinter;
  let dir: string;
  let bridge: Bridge;
  let api: Dispatcher;
  let original: string;

  beforeAll(async () => {
    cups = await startPrivateCups();
    printer = await startTcpPrinter();
    original = printer.uri;
    await cups.tool('lpadmin', ['-p', 'BAR80', '-E', '-v', original, '-m', 'raw']);
    dir = mkdtempSync(join(tmpdir(), 'tp-spooler-api-'));
    const configFile = join(dir, 'data', 'config.json');
    writeConfigFile(configFile, { cloud: { base_url: 'http://127.0.0.1:9' }, devices: [] });
    bridge = await Bridge.start({ dataDir: join(dir, 'data'), configFile, version: '0.0.0-test', vault: new MemoryVault(), env: cups.env, updates: false, forwarder: { idlePollMs: 60_000 } });
    api = createDispatcher(bridge, { vault: new MemoryVault(), env: { ...cups.env, TAXPOYNT_BRIDGE_WATCHDOG_SERVICE: 'manual' }, statusIntervalMs: 60_000 });
    await api.ready;
  });
  afterAll(async () => {
    api?.close();
    await bridge?.stop();
    await printer?.close();
    await cups?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the queues, takes one over (listening at once, jobs journaled and printed), and the remove button gives it back', async () => {
    const listed = (await api.invoke('devices.queues', {})) as { queues: Array<{ name: string; receiptPrinter: boolean; takenOverBy: string | null }>; problem: string | null };
    expect(listed.problem).toBeNull();
    expect(listed.queues).toContainEqual({ name: 'BAR80', driver: 'Local Raw Printer', port: original, receiptPrinter: true, takenOverBy: null, bridgeDirect: false });

    const taken = (await api.invoke('devices.takeover', { queue: 'BAR80', id: 'bar' })) as { device: { id: string; kind: string; printer: unknown }; passThrough: string };
    expect(taken.device).toMatchObject({ id: 'bar', kind: 'virtual_printer', printer: { spooler: 'BAR80-TaxPoynt-direct', direct: { tcp: original.slice('socket://'.length) } } });
    expect(taken.passThrough).toBe(`straight to ${original.slice('socket://'.length)}`);
    expect((taken as unknown as { watchdog: { ok: boolean; message: string } }).watchdog).toEqual({ ok: false, message: expect.stringContaining('TAXPOYNT_BRIDGE_WATCHDOG_SERVICE=manual') });
    await waitFor(() => bridge.status().devices.some((d) => d.deviceId === 'bar' && d.status === 'listening'), 5000, 'the new device to listen');
    const queues = (await api.invoke('devices.queues', {})) as { queues: Array<{ name: string; takenOverBy: string | null; bridgeDirect: boolean }> };
    expect(queues.queues.find((q) => q.name === 'BAR80')!.takenOverBy).toBe('bar');
    expect(queues.queues.find((q) => q.name === 'BAR80-TaxPoynt-direct')!.bridgeDirect).toBe(true);

    const job = Buffer.from('\x1b@BAR TILL\nWater          200.00\nTOTAL          200.00\n\x1dV\x00', 'latin1');
    const file = join(dir, 'job.bin');
    writeFileSync(file, job);
    await cups.tool('lp', ['-d', 'BAR80', '-o', 'raw', file]);
    await waitFor(() => printer.bytes().includes(job), 15_000, 'the job at the printer');
    await waitFor(() => bridge.store.list({ limit: 10 }).length === 1, 5000, 'the job journaled');

    expect(await api.invoke('devices.remove', { id: 'bar' })).toEqual({ removed: 'bar' });
    expect(await cups.tool('lpstat', ['-v', 'BAR80'])).toBe(`device for BAR80: ${original}\n`);
    await expect(cups.tool('lpstat', ['-v', 'BAR80-TaxPoynt-direct'])).rejects.toThrow();
    expect(readRawConfig(bridge.options.configFile).devices).toEqual([]);
    expect(bridge.config.devices).toEqual([]);
    expect(readTakeovers(bridge.options.dataDir)).toEqual([]);
  });

  it('devices.release gives the queue back and says where it prints again', async () => {
    await api.invoke('devices.takeover', { queue: 'BAR80' });
    expect(await api.invoke('devices.release', { id: 'bar80' })).toEqual({ released: 'bar80', queue: 'BAR80', port: original });
    expect(await cups.tool('lpstat', ['-v', 'BAR80'])).toBe(`device for BAR80: ${original}\n`);
    await expect(api.invoke('devices.release', { id: 'bar80' })).rejects.toMatchObject({ code: 'device_not_found', field: 'id' });
  });

  it('unpairing gives every taken-over queue back', async () => {
    await api.invoke('devices.takeover', { queue: 'BAR80', id: 'bar' });
    expect(await cups.tool('lpstat', ['-v', 'BAR80'])).not.toBe(`device for BAR80: ${original}\n`);
    expect(await api.invoke('pairing.unpair', {})).toMatchObject({ wasPaired: false });
    expect(await cups.tool('lpstat', ['-v', 'BAR80'])).toBe(`device for BAR80: ${original}\n`);
    expect(readTakeovers(bridge.options.dataDir)).toEqual([]);
    expect(bridge.config.devices).toEqual([]);
  });

  it('a hostile renderer cannot pass a command, a path, quotes or 10 kB as a queue name, and nothing changes', async () => {
    const before = await cups.tool('lpstat', ['-v']);
    const refused = async (input: unknown) => {
      const err = (await api.invoke('devices.takeover', input).then(
        () => null,
        (e: unknown) => e,
      )) as { code: string; field: string | null; message: string } | null;
      expect(err, JSON.stringify(input).slice(0, 60)).not.toBeNull();
      expect(err!.message.length).toBeLessThan(1000);
      return err!;
    };
    expect(await refused({ queue: 'x'.repeat(10_000) })).toMatchObject({ code: 'bad_request', field: 'queue' });
    expect(await refused({ queue: 'BAR80\n; rm -rf /' })).toMatchObject({ code: 'bad_request', field: 'queue' });
    expect(await refused({ queue: 'BAR80', shell: 'rm -rf /' })).toMatchObject({ code: 'bad_request' });
    expect(await refused({ queue: 'BAR80', id: '../../etc' })).toMatchObject({ code: 'bad_request', field: 'id' });
    for (const queue of ['; rm -rf /', `BAR80'"`, '/etc/passwd', 'BAR80 -x BAR80', '-x', '--help']) expect(await refused({ queue })).toMatchObject({ code: 'invalid_queue', field: 'queue' });
    // Names CUPS allows are only ever data in an argv: they must name a queue that exists.
    for (const queue of ['NOPE', '$(reboot)']) expect(await refused({ queue })).toMatchObject({ code: 'queue_not_found', field: 'queue' });
    expect(await refused({ queue: 'BAR80-TaxPoynt-direct-x' })).toMatchObject({ code: 'queue_not_found' });
    expect(await cups.tool('lpstat', ['-v'])).toBe(before);
    expect(readTakeovers(bridge.options.dataDir)).toEqual([]);
  });
});
