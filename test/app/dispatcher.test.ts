// The dispatcher over a real engine: requests validated with the field named, pairing, a printed receipt drawn and listed, secrets never in an answer or event.
import { existsSync, readFileSync } from 'node:fs';
import { printReceipt } from '../../sandbox/receipt-printer.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridgeApiError, CHANNELS, EVENT_NAMES, REQUESTS, type EventName } from '../../preload/api.js';
import { closePort, openPort, ptyPair, writeAll } from '../capture/pty.js';
import { listSerialPorts } from '../../main/capture/index.js';
import { appWorld, hasKeyring, receiptSpec, startEngine, waitFor, type AppWorld } from './fixture.js';
import { lacks } from '../support/platform.js';

const PAN = '4111111111111111';

describe.runIf(hasKeyring && !lacks('ptys', 'the dispatcher tests (their till is a pty)'))('the dispatcher over a real engine', () => {
  let world: AppWorld;
  let engine: Awaited<ReturnType<typeof startEngine>> | undefined;

  beforeEach(async () => {
    world = await appWorld({ sandbox: { autoApprove: true } });
  });
  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    await world.close();
  });

  it('names the field of a bad request, refuses unknown channels and bad device settings', async () => {
    engine = await startEngine(world);
    const { api } = engine;
    const fail = async (channel: string, input: unknown) => {
      try {
        await api.invoke(channel, input);
      } catch (err) {
        return err as BridgeApiError;
      }
      throw new Error(`${channel} accepted ${JSON.stringify(input)}`);
    };
    const limit = await fail('receipts.list', { limit: 'ten' });
    expect(limit).toBeInstanceOf(BridgeApiError);
    expect(limit.code).toBe('bad_request');
    expect(limit.field).toBe('limit');
    expect(limit.message).toContain('limit');

    const extra = await fail('status', { sneaky: true });
    expect(extra.code).toBe('bad_request');

    const unknown = await fail('shell.exec', {});
    expect(unknown.code).toBe('unknown_channel');

    const baud = await fail('devices.add', { device: { id: 'till-2', kind: 'serial_tap', path: '/dev/ttyS9', baud_rate: -5 } });
    expect(baud.code).toBe('invalid_device');
    expect(baud.field).toBe('device.baud_rate');

    const twice = await fail('devices.add', { device: { id: 'till-1', kind: 'serial_tap', path: '/dev/ttyS9' } });
    expect(twice.code).toBe('device_exists');

    const setting = await fail('settings.set', { key: 'cloud.base_url', value: 'http://evil.example' });
    expect(setting.code).toBe('bad_request');
    expect(setting.field).toBe('key');

    // Every channel of the contract is served (none answers unknown_channel).
    for (const channel of CHANNELS) {
      const err = await api.invoke(channel, { __probe: 1 }).catch((e: BridgeApiError) => e);
      expect((err as BridgeApiError).code, channel).not.toBe('unknown_channel');
    }
  });

  it('plants secrets (database key, refresh token, signing secret, a full card number on a receipt) and none appears in any answer or event', async () => {
    engine = await startEngine(world);
    const { api, bridge } = engine;
    const seen: Array<{ event: EventName; payload: unknown }> = [];
    for (const event of EVENT_NAMES) api.on(event, (payload) => seen.push({ event, payload }));

    const started = (await api.invoke('pairing.start', {})) as { state: string; userCode: string; qr: unknown };
    expect(['waiting', 'approved']).toContain(started.state);
    await waitFor(async () => ((await api.invoke('pairing.status', {})) as { state: string }).state === 'approved', 10_000, 'pairing approved');
    const pairingView = (await api.invoke('pairing.status', {})) as { business: { name: string; tin: string } };
    expect(pairingView.business.name.length).toBeGreaterThan(0);

    const secrets = {
      databaseKey: await world.vault.get('database-key'),
      refreshToken: await world.vault.get('refresh-token'),
      signingSecret: await world.vault.get('signing-secret'),
      pan: PAN,
    };
    for (const [name, value] of Object.entries(secrets)) expect(value, name).toBeTruthy();

    const spec = receiptSpec(11, 'R-SECRET-1');
    spec.payments = [{ method: 'card', amount: spec.total, pan: PAN, panPrinted: 'full' }];
    await world.print(spec);
    await waitFor(() => bridge.store.counts().accepted >= 1, 20_000, 'the receipt accepted');

    const answers: unknown[] = [];
    const call = async (channel: string, input: unknown) => {
      const out = await api.invoke(channel, input);
      answers.push(out);
      return out;
    };
    const list = (await call('receipts.list', {})) as { rows: Array<{ id: string; receiptNumber: string; state: string; irn: string | null }>; total: number };
    expect(list.total).toBe(1);
    expect(list.rows[0]).toMatchObject({ receiptNumber: 'R-SECRET-1', state: 'accepted' });
    expect(list.rows[0]!.irn).toBeTruthy();
    const id = list.rows[0]!.id;
    const detail = (await call('receipts.get', { id })) as { paper: { lines: Array<{ text: string }> }; history: unknown[]; irn: string };
    const paper = detail.paper.lines.map((l) => l.text).join('\n');
    expect(paper).toContain('R-SECRET-1');
    expect(paper).toContain('1111'); // the last four digits stay, masked
    expect(detail.history.length).toBeGreaterThanOrEqual(2);
    expect(detail.irn).toBe(list.rows[0]!.irn);

    await call('status', {});
    await call('devices.list', {});
    await call('devices.preview', { deviceId: 'till-1' });
    await call('profiles.list', {});
    await call('profiles.get', { name: 'generic@1' });
    await call('profiles.try', { text: JSON.stringify({ extends: 'generic@1', name: 'x', version: 1 }) });
    await call('settings.get', {});
    await call('doctor', {});
    const exported = (await call('diagnostics.export', {})) as { path: string };
    answers.push(readFileSync(exported.path, 'utf8'));
    await call('sync.now', {});
    await new Promise((r) => setTimeout(r, 400));

    expect(seen.some((e) => e.event === 'receipt')).toBe(true);
    expect(seen.some((e) => e.event === 'status')).toBe(true);
    expect(seen.some((e) => e.event === 'pairing')).toBe(true);
    const everything = JSON.stringify({ answers, seen });
    for (const [name, value] of Object.entries(secrets)) expect(everything.includes(value!), `${name} leaked`).toBe(false);
    expect(everything).not.toMatch(/4111[ -]?1111[ -]?1111[ -]?1111/);
  });

  it('lists receipts by state, device, receipt number and date, page by page', async () => {
    engine = await startEngine(world);
    const { api, bridge } = engine;
    for (let i = 1; i <= 5; i++) {
      await world.print(receiptSpec(100 + i, `R-PAGE-${i}`));
      await waitFor(() => bridge.store.counts().pending + bridge.store.counts().review + bridge.store.counts().unparsed + bridge.store.counts().in_flight + bridge.store.counts().accepted >= i, 10_000, `receipt ${i}`);
    }
    const first = (await api.invoke('receipts.list', { limit: 2 })) as { rows: Array<{ receiptNumber: string }>; nextCursor: string; total: number };
    expect(first.total).toBe(5);
    expect(first.rows.map((r) => r.receiptNumber)).toEqual(['R-PAGE-5', 'R-PAGE-4']);
    const second = (await api.invoke('receipts.list', { limit: 2, cursor: first.nextCursor })) as { rows: Array<{ receiptNumber: string }>; nextCursor: string };
    expect(second.rows.map((r) => r.receiptNumber)).toEqual(['R-PAGE-3', 'R-PAGE-2']);
    const third = (await api.invoke('receipts.list', { limit: 2, cursor: second.nextCursor })) as { rows: unknown[]; nextCursor: string | null };
    expect(third.rows).toHaveLength(1);
    expect(third.nextCursor).toBeNull();

    const byNumber = (await api.invoke('receipts.list', { receiptNumber: 'page-3' })) as { rows: Array<{ receiptNumber: string }>; total: number };
    expect(byNumber.rows.map((r) => r.receiptNumber)).toEqual(['R-PAGE-3']);
    const otherDevice = (await api.invoke('receipts.list', { deviceId: 'till-9' })) as { total: number };
    expect(otherDevice.total).toBe(0);
    const future = (await api.invoke('receipts.list', { from: new Date(Date.now() + 3600_000).toISOString() })) as { total: number };
    expect(future.total).toBe(0);
    const none = (await api.invoke('receipts.list', { states: ['rejected'] })) as { total: number };
    expect(none.total).toBe(0);

    const status = (await api.invoke('status', {})) as { today: { receipts: number; total: string }; devices: Array<{ id: string; receiptsToday: number }> };
    expect(status.today.receipts).toBe(5);
    expect(status.devices[0]).toMatchObject({ id: 'till-1', receiptsToday: 5 });
    const preview = (await api.invoke('devices.preview', { deviceId: 'till-1' })) as { receipt: { summary: { receiptNumber: string } } };
    expect(preview.receipt.summary.receiptNumber).toBe('R-PAGE-5');
  });

  it('pausing capture is kept across a restart and reported in status and settings', async () => {
    engine = await startEngine(world);
    expect(await engine.api.invoke('capture.pause', {})).toEqual({ capturePaused: true });
    const status = (await engine.api.invoke('status', {})) as { state: string; capturePaused: boolean };
    expect(status).toMatchObject({ state: 'paused', capturePaused: true });
    await engine.stop();
    engine = await startEngine(world);
    expect(((await engine.api.invoke('settings.get', {})) as { capturePaused: boolean }).capturePaused).toBe(true);
    const settings = (await engine.api.invoke('settings.set', { key: 'logLevel', value: 'debug' })) as { logLevel: string };
    expect(settings.logLevel).toBe('debug');
    expect(JSON.parse(readFileSync(world.configFile, 'utf8')).log_level).toBe('debug');
    expect(await engine.api.invoke('capture.resume', {})).toEqual({ capturePaused: false });
  });

  it('adds a device that captures at once, tests it, changes and removes it, keeping the config file in step', async () => {
    engine = await startEngine(world);
    const { api } = engine;
    const second = await ptyPair(world.dir, 'till2');
    const added = (await api.invoke('devices.add', { device: { id: 'till-2', kind: 'serial_tap', path: second.b, baud_rate: 9600, idle_ms: 300 } })) as { device: { id: string; codepage: string } };
    expect(added.device).toMatchObject({ id: 'till-2', codepage: 'CP437' });
    expect(JSON.parse(readFileSync(world.configFile, 'utf8')).devices.map((d: { id: string }) => d.id)).toEqual(['till-1', 'till-2']);
    const tested = (await api.invoke('devices.test', { id: 'till-2' })) as { ok: boolean; status: string };
    expect(tested).toMatchObject({ ok: true, status: 'connected' });

    const port = await openPort(second.a, 9600);
    await writeAll(port, printReceipt(receiptSpec(77, 'R-DEV-2')));
    await closePort(port);
    await waitFor(async () => ((await api.invoke('devices.preview', { deviceId: 'till-2' })) as { receipt: unknown }).receipt !== null, 10_000, 'the preview of till-2');
    const preview = (await api.invoke('devices.preview', { deviceId: 'till-2' })) as { receipt: { summary: { receiptNumber: string; deviceId: string }; paper: { lines: unknown[] } } };
    expect(preview.receipt.summary).toMatchObject({ receiptNumber: 'R-DEV-2', deviceId: 'till-2' });
    expect(preview.receipt.paper.lines.length).toBeGreaterThan(5);

    await api.invoke('devices.update', { id: 'till-2', device: { id: 'till-2', kind: 'serial_tap', path: second.b, baud_rate: 19200 } });
    expect(JSON.parse(readFileSync(world.configFile, 'utf8')).devices[1].baud_rate).toBe(19200);
    const missing = (await api.invoke('devices.test', { device: { id: 'probe', kind: 'serial_tap', path: `${world.dir}/no-such-port`, baud_rate: 9600 }, timeoutMs: 1500 })) as { ok: boolean; detail: string };
    expect(missing.ok).toBe(false);
    expect(missing.detail.length).toBeGreaterThan(0);
    expect(await api.invoke('devices.remove', { id: 'till-2' })).toEqual({ removed: 'till-2' });
    const listed = (await api.invoke('devices.list', {})) as { devices: Array<{ settings: { id: string } }> };
    expect(listed.devices.map((d) => d.settings.id)).toEqual(['till-1']);
    await expect(api.invoke('devices.remove', { id: 'till-2' })).rejects.toMatchObject({ code: 'device_not_found' });
  });

  it('auto-detects the baud rate of a port the till is printing to, and refuses a port a running device reads', async () => {
    // udev does not list pseudo-terminals: the ptys are listed beside what the OS lists, as a plugged-in USB adapter would be.
    const spare = await ptyPair(world.dir, 'spare');
    engine = await startEngine(world, { serialPorts: async () => [...(await listSerialPorts()), { path: world.till.b }, { path: spare.b }] });
    const { api } = engine;
    await expect(api.invoke('devices.autoBaud', { path: world.till.b, sampleMs: 200 })).rejects.toMatchObject({ code: 'port_in_use', field: 'path' });
    const port = await openPort(spare.a, 9600);
    let printing = true;
    const till = (async () => {
      for (let i = 0; printing; i++) {
        await writeAll(port, printReceipt(receiptSpec(300 + i, `R-BAUD-${i}`)));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      const found = (await api.invoke('devices.autoBaud', { path: spare.b, sampleMs: 300 })) as { baud: number | null; reason: string; samples: Array<{ bytes: number }> };
      expect(found.samples).toHaveLength(6);
      expect(found.baud).not.toBeNull();
      expect(found.reason).toMatch(/auto-baud chose \d+/);
    } finally {
      printing = false;
      await till;
      await closePort(port);
    }
  });

  it('saves a user profile only when valid, lists it, and tries an unsaved one on captured receipts', async () => {
    engine = await startEngine(world);
    const { api, bridge } = engine;
    await world.print(receiptSpec(21, 'R-PROF-1'));
    await waitFor(() => bridge.store.counts().pending + bridge.store.counts().review >= 1, 10_000, 'a captured receipt');
    const bad = (await api.invoke('profiles.save', { name: 'my-shop@1', text: '{ not json' })) as { saved: boolean; issues: Array<{ message: string }> };
    expect(bad.saved).toBe(false);
    expect(bad.issues[0]!.message).toMatch(/not valid JSON/);
    const builtin = (await api.invoke('profiles.save', { name: 'generic@1', text: '{}' })) as { saved: boolean; issues: Array<{ path: string }> };
    expect(builtin).toMatchObject({ saved: false, issues: [{ path: 'name' }] });
    const text = JSON.stringify({ name: 'my-shop', version: 1, extends: 'generic@1' }, null, 2);
    expect(await api.invoke('profiles.save', { name: 'my-shop@1', text })).toEqual({ saved: true, name: 'my-shop@1', issues: [] });
    const list = (await api.invoke('profiles.list', {})) as { profiles: Array<{ name: string; source: string }> };
    expect(list.profiles).toContainEqual({ name: 'my-shop@1', source: 'user', usedBy: [] });
    expect(((await api.invoke('profiles.get', { name: 'my-shop@1' })) as { text: string }).text).toBe(text);
    const tried = (await api.invoke('profiles.try', { text })) as { issues: unknown[]; results: Array<{ receiptNumber: string; after: string }> };
    expect(tried.issues).toEqual([]);
    expect(tried.results).toEqual([expect.objectContaining({ receiptNumber: 'R-PROF-1', after: 'pending' })]);
    const invalid = (await api.invoke('profiles.try', { text: JSON.stringify({ name: 'x', version: 'one' }) })) as { issues: Array<{ path: string }>; results: unknown[] };
    expect(invalid.results).toEqual([]);
    expect(invalid.issues[0]!.path).toBe('version');
    // Using the saved profile on a device refers to its file, which the engine can load.
    await api.invoke('devices.update', { id: 'till-1', device: { id: 'till-1', kind: 'serial_tap', path: world.till.b, baud_rate: 9600, profile: 'my-shop@1' } });
    const profiles = (await api.invoke('profiles.list', {})) as { profiles: Array<{ name: string; usedBy: string[] }> };
    expect(profiles.profiles.find((p) => p.name === 'my-shop@1')!.usedBy).toEqual(['till-1']);
    expect(existsSync(JSON.parse(readFileSync(world.configFile, 'utf8')).devices[0].profile)).toBe(true);
  });

  it('the contract has a schema for the input and output of every request', () => {
    for (const channel of CHANNELS) {
      expect(REQUESTS[channel].input.safeParse).toBeTypeOf('function');
      expect(REQUESTS[channel].output.safeParse).toBeTypeOf('function');
    }
  });
});
