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
  listen: z.union([z.object({ tcp: HostPort }).strict(), z.object({ serial: SerialSettings }).strict()]),
  printer: z
    .union([
      z.object({ serial: SerialSettings }).strict(),
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
  report: z.string().min(1),
  terminal_id: z.string().min(1).optional(),
  enabled: z.boolean().default(true),
});

export const EcrSerialDevice = z.object({
  id: DeviceId,
  kind: z.literal('ecr_serial'),
  ...SerialSettings.shape,
  framing: z.enum(['stx_etx_lrc', 'lines']).default('stx_etx_lrc'),
  terminal_id: z.string().min(1).optional(),
  enabled: z.boolean().default(true),
});

export const DeviceConfig = z.discriminatedUnion('kind', [SerialTapDevice, VirtualPrinterDevice, HidDevice, EcrSerialDevice]);
export type DeviceConfig = z.infer<typeof DeviceConfig>;
export type DeviceKind = DeviceConfig['kind'];
