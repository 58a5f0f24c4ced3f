// The `devices` list of the config file: one entry per capture source, every field validated, defaults named here.
import { z } from 'zod';

const DeviceId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a device id is 1–64 letters, digits, "_", "." or "-"');
const HostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected "host:port", e.g. "127.0.0.1:9100"');

export const SerialSettings = z.object({
  path: z.string().min(1),
  baud_rate: z.union([z.number().int().positive(), z.literal('auto')]).default(9600),
  data_bits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none'),
  stop_bits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).default(1),
  flow_control: z.enum(['none', 'rtscts', 'xonxoff']).default('none'),
});
export type SerialSettings = z.infer<typeof SerialSettings>;

/** A line the bridge drives itself (listening as a printer, talking to a printer or a terminal): the rate must be known. */
export const FixedSerialSettings = z.object({
  ...SerialSettings.shape,
  baud_rate: z.number().int().positive().default(9600),
});
export type FixedSerialSettings = z.infer<typeof FixedSerialSettings>;

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

const Receipt = {
  /** The printer's code page after ESC @. */
  codepage: z.string().default('CP437'),
  /** Receipt profile, `name@version` or a file path. */
  profile: z.string().default('generic@1'),
  /** Idle gap that ends a receipt that never cuts. */
  idle_ms: z.number().int().min(100).max(600_000).default(2000),
  /** Lane or till this device serves (the platform requires a terminal id); defaults to the device id. */
  terminal_id: z.string().min(1).optional(),
  enabled: z.boolean().default(true),
  ...silence,
};

export const SerialTapDevice = z.object({
  id: DeviceId,
  kind: z.literal('serial_tap'),
  ...SerialSettings.shape,
  ...Receipt,
});

export const VirtualPrinterDevice = z.object({
  id: DeviceId,
  kind: z.literal('virtual_printer'),
  listen: z.union([z.object({ tcp: HostPort }).strict(), z.object({ serial: FixedSerialSettings }).strict()]),
  printer: z
    .union([
      z.object({ serial: FixedSerialSettings }).strict(),
      z.object({ tcp: HostPort }).strict(),
      z.object({ file: z.string().min(1) }).strict(),
      z.null(),
    ])
    .default(null),
  ...Receipt,
});

const HexId = z.union([z.number().int().min(0).max(0xffff), z.string().regex(/^(0x)?[0-9a-fA-F]{1,4}$/)]);

export const HidDevice = z.object({
  id: DeviceId,
  kind: z.literal('hid'),
  vendor_id: HexId,
  product_id: HexId,
  path: z.string().optional(),
  /** Report parser name (see main/capture/hid-reports.ts): "keyboard", "length_prefixed", "raw". */
  report: z.enum(['keyboard', 'length_prefixed', 'raw']),
  codepage: z.string().default('CP437'),
  profile: z.string().default('generic@1'),
  idle_ms: z.number().int().min(100).max(600_000).default(2000),
  terminal_id: z.string().min(1).optional(),
  enabled: z.boolean().default(true),
  ...silence,
});

export const EcrSerialDevice = z.object({
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

export const DeviceConfig = z.discriminatedUnion('kind', [SerialTapDevice, VirtualPrinterDevice, HidDevice, EcrSerialDevice]);
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
