// The config file: defaults, refusal of an invalid file naming the field, dotted-key set validated before saving, env overrides.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, setConfigValue, coerceValue } from '../../main/engine/config.js';
import { defaultDataDir } from '../../main/engine/paths.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-config-'));
  file = join(dir, 'config.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('config', () => {
  it('a missing file means the defaults: production cloud over https, 90 days retention, no devices', () => {
    const { config, exists } = loadConfig(file, {});
    expect(exists).toBe(false);
    expect(config.cloud.base_url).toBe('https://api.taxpoynt.com');
    expect(config.retention_days).toBe(90);
    expect(config.devices).toEqual([]);
  });

  it('an invalid file is refused whole, naming the file and the field that is wrong', () => {
    writeFileSync(file, JSON.stringify({ retention_days: 90, batch: { max_items: 9000 } }));
    try {
      loadConfig(file, {});
      expect.unreachable('an invalid config must be refused');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toContain(file);
      expect(message).toContain('batch.max_items');
      expect(message).toMatch(/nothing in it was applied/);
    }
  });

  it('broken JSON is refused with the parse error, not a stack', () => {
    writeFileSync(file, '{ "cloud": { "base_url": ');
    expect(() => loadConfig(file, {})).toThrow(/not valid JSON/);
  });

  it('a device entry with a wrong field is named by its index and field', () => {
    writeFileSync(file, JSON.stringify({ devices: [{ id: 'lane-1', kind: 'serial_tap', path: '/dev/ttyS0', parity: 'sometimes' }] }));
    expect(() => loadConfig(file, {})).toThrow(/devices\[0\]\.parity/);
  });

  it('two devices with the same id are refused', () => {
    const device = { id: 'lane-1', kind: 'serial_tap', path: '/dev/ttyS0' };
    writeFileSync(file, JSON.stringify({ devices: [device, { ...device, path: '/dev/ttyS1' }] }));
    expect(() => loadConfig(file, {})).toThrow(/used twice/);
  });

  it('plain http is refused for a remote host but allowed on loopback', () => {
    writeFileSync(file, JSON.stringify({ cloud: { base_url: 'http://api.example.com' } }));
    expect(() => loadConfig(file, {})).toThrow(/cloud\.base_url.*https/s);
    writeFileSync(file, JSON.stringify({ cloud: { base_url: 'http://127.0.0.1:8080' } }));
    expect(loadConfig(file, {}).config.cloud.base_url).toBe('http://127.0.0.1:8080');
  });

  it('TAXPOYNT_BRIDGE_CLOUD_URL overrides cloud.base_url, and is validated too', () => {
    expect(loadConfig(file, { TAXPOYNT_BRIDGE_CLOUD_URL: 'http://localhost:4000' }).config.cloud.base_url).toBe('http://localhost:4000');
    expect(() => loadConfig(file, { TAXPOYNT_BRIDGE_CLOUD_URL: 'http://evil.example.com' })).toThrow(/TAXPOYNT_BRIDGE_CLOUD_URL/);
  });

  it('set writes a dotted key after validating the whole file, and refuses an invalid value without saving', () => {
    setConfigValue(file, 'batch.max_items', coerceValue('200'));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ batch: { max_items: 200 } });
    expect(() => setConfigValue(file, 'batch.max_items', coerceValue('-1'))).toThrow(/batch\.max_items/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ batch: { max_items: 200 } });
    expect(() => setConfigValue(file, 'no_such_section.x', 1)).toThrow(ConfigError);
    expect(existsSync(file + '.tmp-' + process.pid)).toBe(false);
  });

  it('set reaches into the devices list by index', () => {
    writeFileSync(file, JSON.stringify({ devices: [{ id: 'lane-1', kind: 'serial_tap', path: '/dev/ttyS0' }] }));
    setConfigValue(file, 'devices[0].baud_rate', 19200);
    expect(loadConfig(file, {}).config.devices[0]).toMatchObject({ id: 'lane-1', baud_rate: 19200 });
  });

  it('the default data dir follows each OS convention', () => {
    expect(defaultDataDir('win32', { PROGRAMDATA: 'C:\\ProgramData' })).toMatch(/TaxPoynt.POS Bridge$/);
    expect(defaultDataDir('darwin', {})).toMatch(/Library.Application Support.TaxPoynt POS Bridge$/);
    expect(defaultDataDir('linux', { XDG_DATA_HOME: '/srv/data' })).toBe('/srv/data/taxpoynt-pos-bridge');
  });
});
