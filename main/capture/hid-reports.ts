// HID report parsers, one pure function per device kind: a report (and the parser's state) in, the bytes it carries out.

export interface HidParseResult<S> {
  bytes: Uint8Array;
  state: S;
}

export interface HidReportParser<S = unknown> {
  name: string;
  initial(): S;
  parse(report: Uint8Array, state: S): HidParseResult<S>;
}

/** USB HID usage ids (HID Usage Tables §10, keyboard page 0x07) → US layout, unshifted and shifted. */
const KEYS: Record<number, [string, string]> = {};
'abcdefghijklmnopqrstuvwxyz'.split('').forEach((c, i) => (KEYS[0x04 + i] = [c, c.toUpperCase()]));
'1234567890'.split('').forEach((c, i) => (KEYS[0x1e + i] = [c, '!@#$%^&*()'[i]!]));
Object.assign(KEYS, {
  0x28: ['\n', '\n'],
  0x2b: ['\t', '\t'],
  0x2c: [' ', ' '],
  0x2d: ['-', '_'],
  0x2e: ['=', '+'],
  0x2f: ['[', '{'],
  0x30: [']', '}'],
  0x31: ['\\', '|'],
  0x33: [';', ':'],
  0x34: ["'", '"'],
  0x35: ['`', '~'],
  0x36: [',', '<'],
  0x37: ['.', '>'],
  0x38: ['/', '?'],
  0x58: ['\n', '\n'],
});

const SHIFT = 0x02 | 0x20;

/**
 * Boot keyboard (a keyboard-wedge scanner or terminal): 8-byte reports [modifiers, reserved, key×6],
 * or 9 with a report id first. A key counts when it appears in a report and was not in the previous
 * one (held keys repeat in every report); Enter becomes LF so the text reads as lines.
 */
export const keyboard: HidReportParser<number[]> = {
  name: 'keyboard',
  initial: () => [],
  parse(report, previous) {
    const r = report.length === 9 ? report.subarray(1) : report;
    if (r.length < 3) return { bytes: new Uint8Array(0), state: previous };
    const shift = (r[0]! & SHIFT) !== 0;
    const keys = [...r.subarray(2)].filter((k) => k > 0x03);
    let out = '';
    for (const k of keys) {
      if (previous.includes(k)) continue;
      const key = KEYS[k];
      if (key) out += key[shift ? 1 : 0];
    }
    return { bytes: Buffer.from(out, 'latin1'), state: keys };
  },
};

/**
 * Serial-over-HID bridges (Silicon Labs CP2110 and printers that copy it): the report id is the
 * number of data bytes that follow (1..63); other ids are control reports and carry no data.
 */
export const lengthPrefixed: HidReportParser<null> = {
  name: 'length_prefixed',
  initial: () => null,
  parse(report) {
    const n = report[0] ?? 0;
    if (n < 1 || n > 63 || n > report.length - 1) return { bytes: new Uint8Array(0), state: null };
    return { bytes: report.slice(1, 1 + n), state: null };
  },
};

/** Every byte of every report, as is. */
export const raw: HidReportParser<null> = {
  name: 'raw',
  initial: () => null,
  parse: (report) => ({ bytes: Uint8Array.from(report), state: null }),
};

export const HID_PARSERS = { keyboard, length_prefixed: lengthPrefixed, raw } as const;
export type HidParserName = keyof typeof HID_PARSERS;

/** Runs a parser over a recorded sequence of reports (tests, `devices test`). */
export function parseReports(name: HidParserName, reports: Uint8Array[]): Uint8Array {
  const parser = HID_PARSERS[name] as HidReportParser<unknown>;
  let state = parser.initial();
  const parts: Uint8Array[] = [];
  for (const report of reports) {
    const out = parser.parse(report, state);
    state = out.state;
    parts.push(out.bytes);
  }
  return Buffer.concat(parts);
}
