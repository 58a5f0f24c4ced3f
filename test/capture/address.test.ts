// Who may print to a virtual printer, and the device rules the config file, `devices add` and the app share (issue 13 §3, §5).
import { describe, expect, it } from 'vitest';
import { AllowList, DeviceConfig, deviceSchemas, parseHostPort } from '../../main/capture/index.js';
import { checkListen } from '../../main/engine/doctor.js';
import { ConfigSchema } from '../../main/engine/config.js';

describe('listen and allow', () => {
  it('reads host:port, [v6]:port and a port alone (this machine only)', () => {
    expect(parseHostPort('9100')).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(parseHostPort('[::1]:9100')).toEqual({ host: '::1', port: 9100 });
    expect(parseHostPort('192.168.1.10:9100')).toEqual({ host: '192.168.1.10', port: 9100 });
    expect(parseHostPort('host:99999')).toBeNull();
  });

  it('allows listed addresses and ranges, IPv4 and IPv6, v4-mapped forms alike; this machine always', () => {
    const allow = new AllowList(['192.168.1.20', '10.0.0.0/8', 'fd00::/64', '::ffff:172.16.0.5']);
    expect(allow.allows('192.168.1.20')).toBe(true);
    expect(allow.allows('::ffff:192.168.1.20')).toBe(true);
    expect(allow.allows('10.9.8.7')).toBe(true);
    expect(allow.allows('fd00::1234')).toBe(true);
    expect(allow.allows('172.16.0.5')).toBe(true);
    expect(allow.allows('127.0.0.1')).toBe(true);
    expect(allow.allows('192.168.1.21')).toBe(false);
    expect(allow.allows('fd01::1')).toBe(false);
    expect(new AllowList(undefined).allows('192.168.1.20')).toBe(false);
  });

  it('config validate refuses a listen beyond loopback without an allow list; doctor warns about a wildcard listen', () => {
    const open = ConfigSchema.safeParse({ devices: [{ id: 'bar', kind: 'virtual_printer', listen: { tcp: '0.0.0.0:9100' } }] });
    expect(open.success).toBe(false);
    expect(open.error!.issues[0]).toMatchObject({ path: ['devices', 0, 'allow'] });
    expect(open.error!.issues[0]!.message).toMatch(/whole network: add "allow"/);
    const allowed = ConfigSchema.parse({ devices: [{ id: 'bar', kind: 'virtual_printer', listen: { tcp: '0.0.0.0:9100' }, allow: ['192.168.1.0/24'] }] });
    expect(checkListen(allowed)).toMatchObject({ name: 'listen', ok: false, detail: expect.stringMatching(/bar \(0\.0\.0\.0:9100\)/) });
    expect(checkListen(ConfigSchema.parse({ devices: [{ id: 'bar', kind: 'virtual_printer' }] })).ok).toBe(true);
  });
});

describe('device paths and code pages', () => {
  const problem = (schema: typeof DeviceConfig, d: object) => {
    const r = schema.safeParse(d);
    return r.success ? null : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };

  it('a relative serial path, a non-printer printer.file and an unknown code page are refused with the reason', () => {
    const linux = deviceSchemas('linux').DeviceConfig;
    expect(problem(linux, { id: 't', kind: 'serial_tap', path: 'ttyUSB0' })).toMatch(/^path: "ttyUSB0" is a relative path/);
    expect(problem(linux, { id: 'v', kind: 'virtual_printer', printer: { file: '/home/me/.bashrc' } })).toMatch(/printer\.file: .* on Linux it is \/dev\/usb\/lpN or \/dev\/lpN/);
    expect(problem(linux, { id: 'v', kind: 'virtual_printer', printer: { file: '/dev/usb/lp0' } })).toBeNull();
    expect(problem(linux, { id: 'e', kind: 'ecr_serial', path: '../dev/ttyS0' })).toMatch(/relative path/);
    expect(problem(linux, { id: 't', kind: 'serial_tap', path: '/dev/ttyS0', codepage: 'CP999' })).toMatch(/codepage: unknown code page "CP999"; known ones: CP437, /);
  });

  it('on Windows a serial port is COMn and a printer file a port name', () => {
    const win = deviceSchemas('win32').DeviceConfig;
    expect(problem(win, { id: 't', kind: 'serial_tap', path: 'COM3' })).toBeNull();
    expect(problem(win, { id: 't', kind: 'serial_tap', path: 'C:\\ports\\x' })).toMatch(/on Windows give the port's name, e\.g\. COM3/);
    expect(problem(win, { id: 'v', kind: 'virtual_printer', printer: { file: 'USB001' } })).toBeNull();
    expect(problem(win, { id: 'v', kind: 'virtual_printer', printer: { file: 'C:\\Windows\\win.ini' } })).toMatch(/not a printer port/);
  });
});
