// `taxpoynt-bridge devices`: enumeration, add/remove through the validated config file, and `test` on a real pty.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { command, deviceEntry, printerTarget } from '../../main/cli/devices.js';
import type { CommandContext } from '../../main/cli/command.js';
import { cleanupPtys, closePort, openPort, ptyPair, tempDir, writeAll } from './pty.js';
import { lacks } from '../support/platform.js';

afterEach(cleanupPtys);

function ctx(configFile: string, argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const c: CommandContext = { argv, dataDir: join(configFile, '..'), configFile, env: {}, stdin: new PassThrough(), stdout, stderr };
  return { c, out: () => out, err: () => err };
}

async function run(configFile: string, ...argv: string[]) {
  const x = ctx(configFile, argv);
  const code = await command.run(x.c);
  return { code, out: x.out(), err: x.err() };
}

describe('devices add / remove / list', () => {
  it('adds each kind of device to the config file, validated, and lists them', async () => {
    const file = join(tempDir(), 'config.json');
    expect((await run(file, 'add', 'till-1', '--kind', 'serial_tap', '--path', '/dev/ttyUSB0', '--baud', 'auto')).code).toBe(0);
    await run(file, 'add', 'bar', '--kind', 'virtual_printer', '--listen', '0.0.0.0:9100', '--allow', '192.168.1.20,192.168.1.0/24', '--printer', 'serial:/dev/ttyS1@19200', '--codepage', 'CP858');
    await run(file, 'add', 'scanner', '--kind', 'hid', '--vendor-id', '0x05e0', '--product-id', '1200');
    await run(file, 'add', 'pinpad', '--kind', 'ecr_serial', '--path', '/dev/ttyS2', '--framing', 'lines');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { devices: unknown[] };
    expect(saved.devices).toEqual([
      { id: 'till-1', kind: 'serial_tap', path: '/dev/ttyUSB0', baud_rate: 'auto' },
      { id: 'bar', kind: 'virtual_printer', listen: { tcp: '0.0.0.0:9100' }, allow: ['192.168.1.20', '192.168.1.0/24'], printer: { serial: { path: '/dev/ttyS1', baud_rate: 19200 } }, codepage: 'CP858' },
      { id: 'scanner', kind: 'hid', vendor_id: '0x05e0', product_id: '1200', report: 'keyboard' },
      { id: 'pinpad', kind: 'ecr_serial', path: '/dev/ttyS2', framing: 'lines' },
    ]);
    const listed = await run(file, '--json');
    const json = JSON.parse(listed.out) as { serial_ports: unknown[]; hid_devices: unknown; configured: Array<{ id: string; idle_ms?: number }> };
    expect(Array.isArray(json.serial_ports)).toBe(true);
    expect(json.configured.map((d) => d.id)).toEqual(['till-1', 'bar', 'scanner', 'pinpad']);
    expect(json.configured[0]!.idle_ms).toBe(2000);
    const plain = await run(file);
    expect(plain.out).toMatch(/Serial ports:/);
    expect(plain.out).toMatch(/bar {2}virtual_printer {2}listen 0\.0\.0\.0:9100 → printer \/dev\/ttyS1/);
  });

  it('refuses an invalid device or a duplicate id and leaves the file as it was', async () => {
    const file = join(tempDir(), 'config.json');
    await expect(run(file, 'add', 'e', '--kind', 'ecr_serial', '--path', '/dev/ttyS0', '--baud', 'auto')).rejects.toThrow(/device "e" is not valid:\n {2}- baud_rate/);
    expect(existsSync(file)).toBe(false);
    await expect(run(file, 'add', 'x', '--kind', 'printer')).rejects.toThrow(/--kind is one of serial_tap, virtual_printer, hid, ecr_serial/);
    await expect(run(file, 'add', 'v', '--kind', 'virtual_printer', '--listen', '0.0.0.0:9100')).rejects.toThrow(/device "v" is not valid:\n {2}- allow: listening on 0\.0\.0\.0:9100 accepts print data from the whole network/);
    await expect(run(file, 'add', 't', '--kind', 'serial_tap', '--path', 'ttyUSB0')).rejects.toThrow(/path: "ttyUSB0" is a relative path/);
    await expect(run(file, 'add', 't', '--kind', 'serial_tap', '--path', '/dev/ttyUSB0', '--codepage', 'CP999')).rejects.toThrow(/unknown code page "CP999"; known ones: CP437, .*CP858/);
    await run(file, 'add', 'a', '--kind', 'serial_tap', '--path', '/dev/ttyS0');
    const before = readFileSync(file, 'utf8');
    await expect(run(file, 'add', 'a', '--kind', 'serial_tap', '--path', '/dev/ttyS1')).rejects.toThrow(/already configured/);
    await expect(run(file, 'add', 'b', '--kind', 'serial_tap', '--path', '/dev/ttyS1', '--bogus', '1')).rejects.toThrow(/unknown option --bogus/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect((await run(file, 'remove', 'a')).out).toMatch(/device a removed/);
    expect(JSON.parse(readFileSync(file, 'utf8')).devices).toEqual([]);
    await expect(run(file, 'remove', 'a')).rejects.toThrow(/no device "a"/);
  });

  it('reads --printer the way a merchant types it', () => {
    expect(printerTarget('192.168.1.50:9100')).toEqual({ tcp: '192.168.1.50:9100' });
    expect(printerTarget('/dev/usb/lp0')).toEqual({ file: '/dev/usb/lp0' });
    expect(printerTarget('COM3@38400')).toEqual({ serial: { path: 'COM3', baud_rate: 38400 } });
    expect(printerTarget('none')).toBeNull();
    expect(deviceEntry('p', { kind: 'virtual_printer', listen: 'serial:/dev/ttyS0', baud: '115200' })).toEqual({ id: 'p', kind: 'virtual_printer', listen: { serial: { path: '/dev/ttyS0', baud_rate: 115200 } } });
  });
});

describe.skipIf(lacks('ptys', 'the devices test tests'))('devices test', () => {
  it('opens the device and prints the next receipt it captures, decoded', async () => {
    const dir = tempDir();
    const pair = await ptyPair(dir, 'cli');
    const file = join(dir, 'config.json');
    await run(file, 'add', 'till-9', '--kind', 'serial_tap', '--path', pair.b, '--baud', '115200');
    const x = ctx(file, ['test', 'till-9', '--timeout', '10']);
    const running = command.run(x.c);
    const until = Date.now() + 5000;
    while (!x.err().includes('connected') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const pos = await openPort(pair.a);
    await writeAll(pos, Buffer.from('\x1b@\x1ba\x01MAMA CASS KITCHEN\n\x1ba\x00Jollof rice   2,500.00\nTOTAL         2,500.00\n\x1dV\x00', 'latin1'));
    expect(await running).toBe(0);
    await closePort(pos);
    expect(x.out()).toMatch(/^# till-9: \d+ bytes, ended by cut/);
    expect(x.out()).toContain('MAMA CASS KITCHEN');
    expect(x.out()).toContain('Jollof rice   2,500.00');
  });

  it('says what to do when nothing arrives', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.json');
    await run(file, 'add', 'ghost', '--kind', 'serial_tap', '--path', join(dir, 'nothing-here'));
    const r = await run(file, 'test', 'ghost', '--timeout', '0.5');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot open .*nothing-here/);
    expect(r.err).toMatch(/nothing arrived in 0.5 s\. Print a receipt/);
  });
});
