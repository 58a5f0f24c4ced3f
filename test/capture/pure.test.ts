// The pure parts of capture: auto-baud scoring, ECR framing and messages, joins, status answers, back-off, silence, config.
import { describe, expect, it } from 'vitest';
import {
  Backoff,
  CANDIDATE_BAUDS,
  chooseBaud,
  DeviceConfig,
  frame,
  inBusinessHours,
  joinTerminalEvent,
  LineFramer,
  parseTerminalMessage,
  SilenceAlert,
  silentSince,
  statusAnswer,
  StxEtxFramer,
  toKobo,
  type TerminalEvent,
} from '../../main/capture/index.js';

/** A UART model: `bytes` sent at `tx` baud (8N1, idle high) as a receiver set to `rx` baud reads them. */
function uart(bytes: Uint8Array, tx: number, rx: number): Uint8Array {
  const bits: number[] = [1, 1, 1];
  for (const b of bytes) {
    bits.push(0);
    for (let i = 0; i < 8; i++) bits.push((b >> i) & 1);
    bits.push(1);
    // Some idle between bytes, as a real driver leaves.
    if (b % 3 === 0) bits.push(1);
  }
  bits.push(1, 1, 1);
  const level = (t: number) => bits[Math.min(bits.length - 1, Math.floor(t * tx))]!;
  const end = bits.length / tx;
  const out: number[] = [];
  let t = 0;
  const step = 1 / (tx * 8);
  while (t < end) {
    if (level(t) === 1) {
      t += step;
      continue;
    }
    // Start bit found: sample the middle of each bit at the receiver's rate.
    let value = 0;
    for (let i = 0; i < 8; i++) value |= level(t + (1.5 + i) / rx) << i;
    out.push(value);
    t += 9.5 / rx;
    while (t < end && level(t) === 0) t += step;
  }
  return Uint8Array.from(out);
}

const job = Buffer.from('\x1b@\x1b!\x08SHOPRITE LEKKI\x1b!\x00\nBread 1 x 1200.00\nMilk  2 x  850.00\nVAT 7.5%    217.50\nTOTAL      3117.50\n\x1dV\x00', 'latin1');

describe('auto-baud', () => {
  it.each([9600, 19200, 38400, 115200])('picks %i baud from samples read at every candidate rate', (tx) => {
    const samples = CANDIDATE_BAUDS.map((baud) => ({ baud, bytes: uart(job, tx, baud) }));
    const choice = chooseBaud(samples);
    expect(choice.baud).toBe(tx);
    expect(choice.score).toBeGreaterThan(0.9);
    expect(choice.reason).toContain(`auto-baud chose ${tx}`);
    expect(choice.keep).toEqual([CANDIDATE_BAUDS.indexOf(tx as (typeof CANDIDATE_BAUDS)[number])]);
  });

  it('refuses to guess when no rate reads as ESC/POS, and says what to do', () => {
    let seed = 7;
    const noise = () => Uint8Array.from({ length: 200 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff);
    const choice = chooseBaud(CANDIDATE_BAUDS.map((baud) => ({ baud, bytes: noise() })));
    expect(choice.baud).toBeNull();
    expect(choice.reason).toMatch(/set baud_rate/);
    expect(chooseBaud(CANDIDATE_BAUDS.map((baud) => ({ baud, bytes: new Uint8Array(0) }))).reason).toMatch(/no bytes yet/);
  });
});

describe('ECR framing', () => {
  it('reads frames split anywhere, ACKs them, answers ENQ, NAKs a bad LRC', () => {
    const f = new StxEtxFramer();
    const a = frame('AMOUNT=10.00|STATUS=APPROVED');
    const b = frame('AMOUNT=20.00|STATUS=DECLINED');
    const bad = Buffer.from(frame('AMOUNT=30.00'));
    bad[3] = 0x39;
    const stream = Buffer.concat([Buffer.of(0x05), a, bad, b]);
    const messages: string[] = [];
    const replies: number[] = [];
    for (let i = 0; i < stream.length; i += 5) {
      const out = f.push(stream.subarray(i, i + 5), i);
      messages.push(...out.messages.map((m) => Buffer.from(m).toString('latin1')));
      replies.push(...out.reply);
    }
    expect(messages).toEqual(['AMOUNT=10.00|STATUS=APPROVED', 'AMOUNT=20.00|STATUS=DECLINED']);
    expect(replies).toEqual([0x06, 0x06, 0x15, 0x06]);
  });

  it('a retransmit inside the window is ACKed but delivered once; the same message later is a new payment', () => {
    const f = new StxEtxFramer(5000);
    const a = frame('AMOUNT=10.00|STATUS=APPROVED|AUTH=1');
    expect(f.push(a, 0).messages).toHaveLength(1);
    expect(f.push(a, 800)).toEqual({ messages: [], reply: [0x06] });
    expect(f.push(a, 60_000).messages).toHaveLength(1);
  });

  it('a terminal that never sends ETX cannot grow memory without bound', () => {
    const f = new StxEtxFramer();
    const out = f.push(Buffer.concat([Buffer.of(0x02), Buffer.alloc(10_000, 0x41)]), 0);
    expect(out.reply).toEqual([0x15]);
    expect(f.push(frame('AMOUNT=1.00|STATUS=OK'), 1).messages).toHaveLength(1);
  });

  it('line framing splits on CR, LF and CRLF', () => {
    const out = new LineFramer().push(Buffer.from('a=1\rb=2\n\nc=3\r\nd'), 0);
    expect(out.messages.map((m) => Buffer.from(m).toString())).toEqual(['a=1', 'b=2', 'c=3']);
  });
});

describe('terminal messages', () => {
  const ctx = { deviceId: 't1', at: '2026-11-26T10:00:00.000Z', amountUnit: 'naira' as const };

  it('a full card number anywhere in the message leaves only its last four digits', () => {
    const msg = Buffer.from('AMT=3,117.50;RESULT=00;APPROVAL_CODE=XY12;TRACK=;REF=4111 1111 1111 1111 exp 12/29');
    const event = parseTerminalMessage(msg, ctx)!;
    expect(event).toEqual({ deviceId: 't1', amountKobo: 311750, approved: true, approvalCode: 'XY12', cardLast4: '1111', at: ctx.at });
    expect(JSON.stringify(event)).not.toContain('4111');
  });

  it('reads comma-separated fields without splitting the amount', () => {
    expect(parseTerminalMessage(Buffer.from('AMOUNT=1,500.00,STATUS=APPROVED,AUTH=9'), ctx)).toMatchObject({ amountKobo: 150000, approved: true, approvalCode: '9' });
  });

  it('reads masked card fields and declines, and ignores messages without an amount', () => {
    expect(parseTerminalMessage(Buffer.from('Amount: 99.9 | Status: DECLINED | Masked PAN: 539983******7895'), ctx)).toMatchObject({ amountKobo: 9990, approved: false, cardLast4: '7895' });
    expect(parseTerminalMessage(Buffer.from('STATUS=READY'), ctx)).toBeNull();
    expect(parseTerminalMessage(Buffer.from('AMOUNT=abc'), ctx)).toBeNull();
  });

  it('money is integer kobo, never a float', () => {
    expect(toKobo('1,500.05', 'naira')).toBe(150005);
    expect(toKobo('₦0.1', 'naira')).toBe(10);
    expect(toKobo('150005', 'kobo')).toBe(150005);
    expect(toKobo('1.005', 'naira')).toBeNull();
  });
});

describe('joining a payment to its receipt', () => {
  const event: TerminalEvent = { deviceId: 't', amountKobo: 311750, approved: true, at: '2026-11-26T10:00:30.000Z' };
  const r = (id: string, totalKobo: number | null, at: string) => ({ id, totalKobo, capturedAt: at });

  it('joins the receipt with the same amount closest in time', () => {
    const receipts = [r('a', 311750, '2026-11-26T09:40:00Z'), r('b', 311750, '2026-11-26T10:00:10Z'), r('c', 100000, '2026-11-26T10:00:30Z'), r('d', null, '2026-11-26T10:00:30Z')];
    expect(joinTerminalEvent(receipts, event)?.id).toBe('b');
  });

  it('joins nothing when ambiguous, declined, or outside the window', () => {
    expect(joinTerminalEvent([r('a', 311750, '2026-11-26T10:00:20Z'), r('b', 311750, '2026-11-26T10:00:40Z')], event)).toBeNull();
    expect(joinTerminalEvent([r('a', 311750, '2026-11-26T10:00:20Z')], { ...event, approved: false })).toBeNull();
    expect(joinTerminalEvent([r('a', 311750, '2026-11-26T09:00:00Z')], event)).toBeNull();
    expect(joinTerminalEvent([r('a', 311750, '2026-11-26T09:30:00Z')], event, { windowMs: 3_600_000 })?.id).toBe('a');
  });
});

describe('status answers in the printer\'s place', () => {
  it('says online, paper present, no error', () => {
    expect(statusAnswer({ command: 'DLE EOT', n: 1, offset: 0 })).toEqual(Uint8Array.of(0x12));
    expect(statusAnswer({ command: 'DLE EOT', n: 4, offset: 0 })).toEqual(Uint8Array.of(0x12));
    expect(statusAnswer({ command: 'GS r', n: 49, offset: 0 })).toEqual(Uint8Array.of(0x00));
    expect(Buffer.from(statusAnswer({ command: 'GS I', n: 66, offset: 0 })!).toString('latin1')).toBe('_TaxPoynt\0');
    expect(statusAnswer({ command: 'DLE ENQ', n: 1, offset: 0 })).toBeNull();
  });
});

describe('back-off and silence', () => {
  it('back-off doubles to its cap and starts again after a success', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
  });

  const rule = SilenceAlert.parse({ after_minutes: 30, business_hours: '08:00-20:00', days: [1, 2, 3, 4, 5, 6] });
  const wat = 60; // Lagos, UTC+1
  const at = (iso: string) => Date.parse(iso);

  it('business hours are local time, on the configured days', () => {
    expect(inBusinessHours(rule, new Date('2026-11-26T07:30:00Z'), wat)).toBe(true); // Thu 08:30 WAT
    expect(inBusinessHours(rule, new Date('2026-11-26T06:30:00Z'), wat)).toBe(false); // 07:30 WAT
    expect(inBusinessHours(rule, new Date('2026-11-29T12:00:00Z'), wat)).toBe(false); // Sunday
    const night = SilenceAlert.parse({ business_hours: '18:00-02:00' });
    expect(inBusinessHours(night, new Date('2026-11-26T00:30:00Z'), wat)).toBe(true); // 01:30 WAT
    expect(inBusinessHours(night, new Date('2026-11-26T02:30:00Z'), wat)).toBe(false);
  });

  it('silence counts from opening time, not from last night, and never outside hours', () => {
    const lastNight = at('2026-11-25T18:50:00Z');
    expect(silentSince(rule, lastNight, at('2026-11-26T07:20:00Z'), wat)).toBeNull(); // 08:20, open 20 min
    expect(silentSince(rule, lastNight, at('2026-11-26T07:31:00Z'), wat)).toBe('2026-11-26T07:30:00.000Z');
    expect(silentSince(rule, at('2026-11-26T10:00:00Z'), at('2026-11-26T10:29:00Z'), wat)).toBeNull();
    expect(silentSince(rule, at('2026-11-26T10:00:00Z'), at('2026-11-26T10:31:00Z'), wat)).toBe('2026-11-26T10:30:00.000Z');
    expect(silentSince(rule, lastNight, at('2026-11-26T21:00:00Z'), wat)).toBeNull();
    expect(silentSince(false, lastNight, at('2026-11-26T10:00:00Z'), wat)).toBeNull();
  });
});

describe('device config', () => {
  it('fills the documented defaults', () => {
    const d = DeviceConfig.parse({ id: 'till-1', kind: 'serial_tap', path: '/dev/ttyUSB0' });
    expect(d).toMatchObject({ baud_rate: 9600, data_bits: 8, parity: 'none', stop_bits: 1, flow_control: 'none', codepage: 'CP437', idle_ms: 2000, enabled: true });
    expect(d.kind === 'serial_tap' && d.silence_alert).toEqual({ after_minutes: 60, business_hours: '08:00-20:00', days: [0, 1, 2, 3, 4, 5, 6] });
    const v = DeviceConfig.parse({ id: 'vp', kind: 'virtual_printer' });
    expect(v).toMatchObject({ listen: { tcp: '127.0.0.1:9100' }, printer: null, idle_timeout_ms: 90_000, max_lanes: 64, max_job_ms: 10_000 });
  });

  it('refuses what cannot work, naming the field', () => {
    const bad = [
      { id: 'e', kind: 'ecr_serial', path: '/dev/ttyS0', baud_rate: 'auto' },
      { id: 'v', kind: 'virtual_printer', listen: { tcp: 'host:99999' } },
      { id: 'v', kind: 'virtual_printer', listen: { tcp: '[not-v6]:9100' } },
      { id: 'v', kind: 'virtual_printer', listen: { tcp: '127.0.0.1:9100' }, printer: { usb: '/dev/usb/lp0' } },
      { id: 'h', kind: 'hid', vendor_id: 'zz', product_id: '0202', report: 'keyboard' },
      { id: 'h', kind: 'hid', vendor_id: '04b8', product_id: '0202', report: 'nonsense' },
      { id: 's', kind: 'serial_tap', path: '/dev/ttyS0', silence_alert: { business_hours: '8-20' } },
      { id: 'bad id!', kind: 'serial_tap', path: '/dev/ttyS0' },
    ];
    for (const d of bad) expect(DeviceConfig.safeParse(d).success, JSON.stringify(d)).toBe(false);
  });
});
