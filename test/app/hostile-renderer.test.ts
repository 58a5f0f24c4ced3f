// A compromised renderer, through the dispatcher as IPC reaches it: profiles by name only, no file read through `extends`, device settings checked like the config file, autoBaud opens only listed ports.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridgeApiError } from '../../preload/api.js';
import { parseConfig, ConfigError } from '../../main/engine/config.js';
import { appWorld, hasKeyring, receiptSpec, startEngine, waitFor, type AppWorld } from './fixture.js';

const CONTENT = 'root:x:0:0:TOPSECRET-CONTENT-7731';

describe.runIf(hasKeyring)('a compromised renderer cannot reach files through the engine', () => {
  let world: AppWorld;
  let engine: Awaited<ReturnType<typeof startEngine>> | undefined;
  let secretFile: string;
  let jsonSecret: string;

  beforeEach(async () => {
    world = await appWorld();
    secretFile = join(world.dir, 'passwd');
    writeFileSync(secretFile, `${CONTENT}\n`);
    // A JSON file that is not a profile (a key file, a token cache): its keys and values must not come back either.
    jsonSecret = join(world.dir, 'tokens.json');
    writeFileSync(jsonSecret, JSON.stringify({ refresh: 'TOPSECRET-CONTENT-7731', colour: 'TOPSECRET-KEY-NAME' }));
  });
  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    await world.close();
  });

  const refusal = async (call: Promise<unknown>): Promise<BridgeApiError> => {
    const err = await call.then(
      (answer) => {
        throw new Error(`accepted: ${JSON.stringify(answer)}`);
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BridgeApiError);
    expect(JSON.stringify({ message: (err as Error).message })).not.toMatch(/TOPSECRET/);
    return err as BridgeApiError;
  };

  it('receipts.reprocess and profiles.get take a profile name, never a path, and name the field', async () => {
    engine = await startEngine(world);
    const { api, bridge } = engine;
    await world.print(receiptSpec(41, 'R-HOSTILE-1'));
    await waitFor(() => bridge.store.counts().pending + bridge.store.counts().review + bridge.store.counts().in_flight >= 1, 10_000, 'a captured receipt');
    const id = ((await api.invoke('receipts.list', {})) as { rows: Array<{ id: string }> }).rows[0]!.id;

    for (const profile of [secretFile, jsonSecret, '../tokens', `../../${secretFile}`, 'tokens.json', '/dev/zero']) {
      const err = await refusal(api.invoke('receipts.reprocess', { id, profile }));
      expect(err.code, profile).toBe('invalid_profile');
      expect(err.field).toBe('profile');
    }
    const missing = await refusal(api.invoke('receipts.reprocess', { id, profile: 'nosuch@1' }));
    expect(missing).toMatchObject({ code: 'profile_not_found', field: 'profile' });
    await refusal(api.invoke('profiles.get', { name: secretFile }));

    // A name still gets through to the job (which, sent already, is not parsed again): a built-in, and one saved through profiles.save.
    const text = JSON.stringify({ name: 'mine', version: 1, extends: 'generic@1' });
    expect(await api.invoke('profiles.save', { name: 'mine@1', text })).toMatchObject({ saved: true });
    for (const profile of ['generic@1', 'mine@1']) {
      const err = (await api.invoke('receipts.reprocess', { id, profile }).catch((e: BridgeApiError) => e)) as BridgeApiError;
      expect(err.message, profile).toMatch(/cannot be parsed again/);
    }
  });

  it("a tried profile's extends names a profile, never a file, and a link out of the profiles folder is not followed", async () => {
    engine = await startEngine(world);
    const { api } = engine;
    const profiles = join(world.dataDir, 'profiles');
    mkdirSync(profiles, { recursive: true });
    symlinkSync(secretFile, join(profiles, 'link@1.json'));
    symlinkSync(jsonSecret, join(profiles, 'jlink@1.json'));
    writeFileSync(join(world.dir, 'outside@1.json'), JSON.stringify({ name: 'outside', version: 1, extends: 'generic@1' }));

    for (const parent of [secretFile, jsonSecret, '../passwd', '../../tokens.json', 'link@1', 'jlink@1', '../outside@1', 'outside@1']) {
      const tried = (await api.invoke('profiles.try', { text: JSON.stringify({ name: 'x', version: 1, extends: parent }) })) as { issues: Array<{ path: string; message: string }>; results: unknown[] };
      expect(tried.results, parent).toEqual([]);
      expect(tried.issues[0]!.path, parent).toBe('extends');
      expect(JSON.stringify(tried.issues)).not.toMatch(/TOPSECRET/);
    }
    await refusal(api.invoke('profiles.get', { name: 'link@1' }));
    await refusal(api.invoke('profiles.get', { name: 'jlink@1' }));
    // The same try with a built-in base is fine.
    const ok = (await api.invoke('profiles.try', { text: JSON.stringify({ name: 'x', version: 1, extends: 'generic@1' }) })) as { issues: unknown[] };
    expect(ok.issues).toEqual([]);
  });

  it('devices.add and devices.update check settings exactly as the config file does, and write only what the schema knows', async () => {
    engine = await startEngine(world);
    const { api } = engine;
    const before = readFileSync(world.configFile, 'utf8');
    const profile = await refusal(api.invoke('devices.add', { device: { id: 'till-2', kind: 'serial_tap', path: '/dev/ttyS1', profile: secretFile } }));
    expect(profile).toMatchObject({ code: 'invalid_profile', field: 'device.profile' });
    expect(readFileSync(world.configFile, 'utf8')).toBe(before);

    // Whatever the config file refuses, the renderer's request is refused too (and the other way round).
    const candidates: Array<Record<string, unknown>> = [
      { id: 'till-2', kind: 'serial_tap', path: '/dev/ttyS1' },
      { id: 'till 2', kind: 'serial_tap', path: '/dev/ttyS1' },
      { id: 'till-2', kind: 'serial_tap', path: '/dev/ttyS1', baud_rate: 0 },
      { id: 'till-2', kind: 'serial_tap', path: 'ttyS1' },
      { id: 'till-2', kind: 'serial_tap', path: '/dev/ttyS1', codepage: 'CP-NOPE' },
      { id: 'till-2', kind: 'serial_tap', path: '/dev/ttyS1', terminal_id: 'T'.repeat(5000) },
      { id: 'till-2', kind: 'virtual_printer', listen: { tcp: '127.0.0.1:0' }, printer: { file: secretFile } },
      { id: 'till-2', kind: 'virtual_printer', listen: { tcp: '0.0.0.0:9100' } },
      { id: 'till-2', kind: 'virtual_printer', listen: { tcp: '127.0.0.1:0', extra: 1 } },
    ];
    const configRaw = JSON.parse(before) as { devices: unknown[] };
    for (const device of candidates) {
      let fileVerdict = true;
      try {
        parseConfig(JSON.stringify({ ...configRaw, devices: [...configRaw.devices, device] }), 'config.json');
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        fileVerdict = false;
      }
      const answer = await api.invoke('devices.add', { device }).then(
        () => true,
        (err: BridgeApiError) => {
          expect(err.field ?? '', JSON.stringify(device)).toMatch(/^device/);
          return false;
        },
      );
      expect(answer, `devices.add ${JSON.stringify(device).slice(0, 120)}`).toBe(fileVerdict);
      if (answer) await api.invoke('devices.remove', { id: device.id });
    }

    // Keys the schema does not know are not written into the config file.
    await api.invoke('devices.add', { device: { id: 'till-3', kind: 'serial_tap', path: '/dev/ttyS1', enabled: false, sneaky: CONTENT } });
    expect(readFileSync(world.configFile, 'utf8')).not.toContain('sneaky');
    // A saved profile is shown by name and round-trips through devices.update unchanged.
    await api.invoke('profiles.save', { name: 'mine@1', text: JSON.stringify({ name: 'mine', version: 1, extends: 'generic@1' }) });
    await api.invoke('devices.update', { id: 'till-3', device: { id: 'till-3', kind: 'serial_tap', path: '/dev/ttyS1', enabled: false, profile: 'mine@1' } });
    const listed = (await api.invoke('devices.list', {})) as { devices: Array<{ settings: Record<string, unknown> }> };
    const till3 = listed.devices.find((d) => d.settings.id === 'till-3')!.settings;
    expect(till3.profile).toBe('mine@1');
    await api.invoke('devices.update', { id: 'till-3', device: { ...till3, baud_rate: 19200 } });
    expect(JSON.parse(readFileSync(world.configFile, 'utf8')).devices[1]).toMatchObject({ baud_rate: 19200, profile: join(world.dataDir, 'profiles', 'mine@1.json') });
  });

  it('devices.autoBaud opens only a port that enumeration lists', async () => {
    engine = await startEngine(world);
    const { api } = engine;
    for (const path of [secretFile, '/dev/zero', world.till.a, join(world.dir, 'no-such-port')]) {
      const err = await refusal(api.invoke('devices.autoBaud', { path, sampleMs: 100 }));
      expect(err, path).toMatchObject({ code: 'port_not_listed', field: 'path' });
    }
  });
});
