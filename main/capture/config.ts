// The `devices` list of the config file: one entry per capture source, every field validated, defaults named here.
import { z } from 'zod';
import { canonicalCodepage, listCodepages } from '../escpos/index.js';
import { allowEntryProblem, DEFAULT_LISTEN_HOST, isLoopback, parseHostPort } from './address.js';

const DeviceId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a device id is 1–64 letters, digits, "_", "." or "-"');
const HostPort = z.string().refine((v) => parseHostPort(v) !== null, 'expected "host:port" (e.g. "127.0.0.1:9100", "[::1]:9100") or a port alone ("9100": this machine only)');

/** Why `path` cannot name a serial port on `platform`, or null. Relative paths would depend on the folder the bridge started in. */
export function devicePathProblem(path: string, platform: NodeJS.Platform = process.platform): string | null {
  if (platform === 'win32') {
    return /^(COM\d{1,3}|\\\\\.\\[A-Za-z0-9]+)$/i.test(path) ? null : `"${path}" is not a port name: on Windows give the port's name, e.g. COM3`;
  }
  return path.startsWith('/') ? null : `"${path}" is a relative path: give the device's absolute path, e.g. /dev/ttyUSB0 (a relative one would depend on the folder the bridge starts in)`;
}

/** Why `path` is not a printer device file on `platform` (printer.file), or null: the bridge writes print data there and nowhere else. */
export function printerFileProblem(path: string, platform: NodeJS.Platform = process.platform): string | null {
  if (platform === 'win32') {
    return /^(\\\\\.\\)?(LPT\d|COM\d{1,3}|USB\d{3})$/i.test(path) ? null : `"${path}" is not a printer port: on Windows give the port's name, e.g. USB001 or LPT1`;
  }
  if (platform === 'linux') {
    return /^\/dev\/(usb\/)?lp\d+$/.test(path) ? null : `"${path}" is not a printer device: on Linux it is /dev/usb/lpN or /dev/lpN`;
  }
  return /^\/dev\/[^/]+/.test(path) && !path.includes('..') ? null : `"${path}" is not a printer device under /dev`;
}

/** Why a `codepage` value is not one the decoder knows (naming those it does), or null. */
export function codepageProblem(name: string): string | null {
  try {
    canonicalCodepage(name);
    return null;
  } catch {
    return `unknown code page "${name}"; known ones: ${listCodepages().join(', ')}`;
  }
}

/** Why a virtual printer's `listen`/`allow` pair would let strangers print, or null. */
export function listenProblem(listen: string, allow: readonly string[] | undefined): string | null {
  const hp = parseHostPort(listen);
  if (!hp || isLoopback(hp.host) || (allow && allow.length > 0)) return null;
  return `listening on ${listen} accepts print data from the whole network: add "allow" with the tills' addresses or ranges (e.g. ["192.168.1.20", "192.168.1.0/24"]), or listen on 127.0.0.1`;
}

const HoursRange = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'expected "HH:MM-HH:MM", e.g. "08:00-20:00"');

/** Raises an alert when a device sends nothing for `after_minutes` inside business hours (local time). Default: 60 min, 08:00-20:00, every day. */
export const SilenceAlert = z
  .object({
    after_minutes: z.number().int().min(1).max(24 * 60).default(60),
    business_hours: HoursRange.default('08:00-20:00'),
    /** Days the business is open, 0 = Sunday. */
    days: z.array(z.number().int().min(0).max(6)).min(1).default([0, 1, 2, 3, 4, 5, 6]),
  })
  .strict();
export type SilenceAlert = z.infer<typeof SilenceAlert>;
const silence = {
  /** `false` turns the silence alert off for this device. */
  silence_alert: z.union([SilenceAlert, z.literal(false)]).default({ after_minutes: 60, business_hours: '08:00-20:00', days: [0, 1, 2, 3, 4, 5, 6] }),
};

const Codepage = z.string().refine((v) => codepageProblem(v) === null, { error: (issue) => codepageProblem(String(issue.input)) ?? 'unknown code page' });

/** A string checked by one of the problem functions above, its reason as the message. */
const checked = (problem: (v: string) => string | null) =>
  z
    .string()
    .min(1)
    .refine((v) => problem(v) === null, { error: (issue) => problem(String(issue.input)) ?? 'invalid' });

const AllowEntry = checked(allowEntryProblem);

/**
 * The device schemas with the path rules of `platform` (serial ports are absolute paths, or COMn on
 * Windows; a printer file is a printer device). The config file, `devices add` and the app's
 * devices.add/update all validate with `DeviceConfig` (this machine's platform); tests pass another.
 */
export function deviceSchemas(platform: NodeJS.Platform = process.platform) {
  const SerialPath = checked((v) => devicePathProblem(v, platform));
  const PrinterFile = checked((v) => printerFileProblem(v, platform));

  const SerialSettings = z.object({
    path: SerialPath,
    baud_rate: z.union([z.number().int().positive(), z.literal('auto')]).default(9600),
    data_bits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none'),
    stop_bits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).default(1),
    flow_control: z.enum(['none', 'rtscts', 'xonxoff']).default('none'),
  });

  /**
   * An OS print queue the bridge stands in front of (`devices takeover`): pass-through goes to the hidden
   * direct queue on the printer's original port, RAW, or to the printer itself (`direct`) where that port
   * is a socket or a device file. The watchdog gives the POS's queue back after `give_back_after_s` down.
   */
  const SpoolerPrinter = z
    .object({
      spooler: z.string().min(1).max(256).regex(/^[^\u0000-\u001f\u007f]+$/, 'a queue name has no control characters'),
      give_back_after_s: z.number().int().min(1).max(86_400).default(300),
      direct: z.union([z.object({ tcp: HostPort }).strict(), z.object({ file: PrinterFile }).strict()]).optional(),
    })
    .strict();

  /** A line the bridge drives itself (listening as a printer, talking to a printer or a terminal): the rate must be known. */
  const FixedSerialSettings = z.object({
    ...SerialSettings.shape,
    baud_rate: z.number().int().positive().default(9600),
  });

  const Receipt = {
    /** The printer's code page after ESC @. */
    codepage: Codepage.default('CP437'),
    /** Receipt profile, `name@version` or a file path. */
    profile: z.string().default('generic@1'),
    /** Idle gap that ends a receipt that never cuts. */
    idle_ms: z.number().int().min(100).max(600_000).default(2000),
    /** Lane or till this device serves (the platform requires a terminal id); defaults to the device id. */
    terminal_id: z.string().min(1).optional(),
    enabled: z.boolean().default(true),
    ...silence,
  };

  const SerialTapDevice = z.object({
    id: DeviceId,
    kind: z.literal('serial_tap'),
    ...SerialSettings.shape,
    ...Receipt,
  });

  const VirtualPrinterDevice = z
    .object({
      id: DeviceId,
      kind: z.literal('virtual_printer'),
      /** Where the POS prints to. A port alone ("9100") is this machine only. */
      listen: z.union([z.object({ tcp: HostPort }).strict(), z.object({ serial: FixedSerialSettings }).strict()]).default({ tcp: `${DEFAULT_LISTEN_HOST}:9100` }),
      /** Source addresses or CIDR ranges allowed to print; required when `listen` is beyond loopback. Loopback is always allowed. */
      allow: z.array(AllowEntry).max(256).optional(),
      /** A POS connection that sends nothing for this long is closed (JetDirect servers close idle sockets too). */
      idle_timeout_ms: z.number().int().min(1000).max(3_600_000).default(90_000),
      /** Open POS connections at once: a new one beyond this closes the longest-idle lane, or is refused if none is idle. */
      max_lanes: z.number().int().min(1).max(1024).default(64),
      /** Longest a lane keeps the printer while other lanes wait (a job that trickles); its rest prints after theirs. */
      max_job_ms: z.number().int().min(500).max(600_000).default(10_000),
      printer: z
        .union([
          z.object({ serial: FixedSerialSettings }).strict(),
          z.object({ tcp: HostPort }).strict(),
          z.object({ file: PrinterFile }).strict(),
          SpoolerPrinter,
          z.null(),
        ])
        .default(null),
      ...Receipt,
    })
    .superRefine((device, ctx) => {
      const problem = 'tcp' in device.listen ? listenProblem(device.listen.tcp, device.allow) : null;
      if (problem) ctx.addIssue({ code: 'custom', path: ['allow'], message: problem });
    });

  const HidDevice = z.object({
    id: DeviceId,
    kind: z.literal('hid'),
    vendor_id: HexId,
    product_id: HexId,
    path: z.string().optional(),
    /** Report parser name (see main/capture/hid-reports.ts): "keyboard", "length_prefixed", "raw". */
    report: z.enum(['keyboard', 'length_prefixed', 'raw']),
    codepage: Codepage.default('CP437'),
    profile: z.string().default('generic@1'),
    idle_ms: z.number().int().min(100).max(600_000).default(2000),
    terminal_id: z.string().min(1).optional(),
    enabled: z.boolean().default(true),
    ...silence,
  });

  const EcrSerialDevice = z.object({
    id: DeviceId,
    kind: z.literal('ecr_serial'),
    ...FixedSerialSettings.shape,
    framing: z.enum(['stx_etx_lrc', 'lines']).default('stx_etx_lrc'),
    /** Answer ACK/NAK to STX…ETX frames (off when the port only listens in on a terminal talking to the till). */
    ack: z.boolean().default(true),
    /** Whether the terminal's amounts are in naira with decimals ("1500.00") or in integer kobo ("150000"). */
    amount_unit: z.enum(['naira', 'kobo']).default('naira'),
    terminal_id: z.string().min(1).optional(),
    enabled: z.boolean().default(true),
    ...silence,
  });

  return {
    SerialSettings,
    FixedSerialSettings,
    SerialTapDevice,
    VirtualPrinterDevice,
    HidDevice,
    EcrSerialDevice,
    DeviceConfig: z.discriminatedUnion('kind', [SerialTapDevice, VirtualPrinterDevice, HidDevice, EcrSerialDevice]),
  };
}

const HexId = z.union([z.number().int().min(0).max(0xffff), z.string().regex(/^(0x)?[0-9a-fA-F]{1,4}$/)]);

const schemas = deviceSchemas();
export const { SerialSettings, FixedSerialSettings, SerialTapDevice, VirtualPrinterDevice, HidDevice, EcrSerialDevice } = schemas;
/** One entry of the config file's `devices`, with this machine's path rules: the schema every writer of a device validates with. */
export const DeviceConfig = schemas.DeviceConfig;
export type SerialSettings = z.infer<typeof SerialSettings>;
export type FixedSerialSettings = z.infer<typeof FixedSerialSettings>;
export type DeviceConfig = z.infer<typeof DeviceConfig>;
export type DeviceKind = DeviceConfig['kind'];
export type SerialTapConfig = z.infer<typeof SerialTapDevice>;
export type VirtualPrinterConfig = z.infer<typeof VirtualPrinterDevice>;
export type HidConfig = z.infer<typeof HidDevice>;
export type EcrSerialConfig = z.infer<typeof EcrSerialDevice>;

/** Vendor/product ids as numbers, whether the file wrote 1208, "04b8" or "0x04b8". */
export function hexId(value: number | string): number {
  return typeof value === 'number' ? value : parseInt(value.replace(/^0x/i, ''), 16);
}
