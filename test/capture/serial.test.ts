// Serial tap and payment terminal on real pseudo-terminals (socat): bytes captured whole, auto-baud shown, unplug and replug.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Capture, createSource, DeviceConfig, frame, type CaptureSource } from '../../main/capture/index.js';
import { Logger } from '../../main/telemetry/log.js';
import { cleanupPtys, closePort, openPort, ptyPair, RecordingSink, tempDir, waitFor, writeAll } from './pty.js';
import { lacks } from '../support/platform.js';

const log = new Logger({ level: 'error' });
const receipt = readFileSync(new URL('../fixtures/escpos-corpus/escpos-php/receipt-with-logo.bin', import.meta.url));
const fast = { log, backoff: { initialMs: 50, maxMs: 200 }, random: () => 0 };

function textReceipt(label: string, lines = 5): Buffer {
  const body = Array.from({ length: lines }, (_, i) => `${label} item ${i + 1}      ${(i + 1) * 100}.00\n`).join('');
  return Buffer.from(`\x1b@\x1b!\x08${label}\x1b!\x00\n${body}TOTAL  1500.00\n\x1dV\x00`, 'latin1');
}

const started: CaptureSource[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
  await cleanupPtys();
});

async function start(device: unknown, sink: RecordingSink, extra: object = {}): Promise<CaptureSource> {
  const source = createSource(DeviceConfig.parse(device), sink, { ...fast, ...extra });
  started.push(source);
  await source.start();
  return source;
}

describe.skipIf(lacks('ptys', 'the serial tap and ECR tests'))('serial tap', () => {
  it('a receipt printed by the POS through the tap is captured as a job with every byte identical', async () => {
    const dir = tempDir();
    const pair = await ptyPair(dir, 'tap');
    const sink = new RecordingSink();
    const tap = await start({ id: 'till-1', kind: 'serial_tap', path: pair.b, baud_rate: 115200 }, sink);
    await waitFor(() => tap.status().status === 'connected', 5000, 'tap connected');
    const pos = await openPort(pair.a);
    // The corpus receipt ends with a drawer kick after its cut: those 5 bytes open the next job.
    const tail = 5;
    const printed = Buffer.concat([receipt, receipt]);
    // Written in uneven chunks, as a POS driver does.
    for (let at = 0; at < printed.length; at += 977) await writeAll(pos, printed.subarray(at, at + 977));
    await sink.until(() => sink.jobs.length === 2);
    await closePort(pos);
    expect(sink.jobs.map((j) => j.bytes.length)).toEqual([receipt.length - tail, receipt.length]);
    expect(Buffer.compare(sink.bytesOf(), printed.subarray(0, printed.length - tail))).toBe(0);
    expect(sink.jobs.every((j) => j.deviceId === 'till-1' && j.integration === 'escpos_serial' && j.end === 'cut')).toBe(true);
    expect(tap.status()).toMatchObject({ status: 'connected', bytes: printed.length, jobs: 2, baud: { rate: 115200, source: 'config' } });
    await tap.stop();
    expect(tap.status()).toMatchObject({ status: 'stopped', unclaimedBytes: tail });
  });

  it('auto-baud reports the rate it chose and its score, then captures receipts whole', async () => {
    const dir = tempDir();
    const pair = await ptyPair(dir, 'auto');
    const sink = new RecordingSink();
    const tap = await start({ id: 'auto-1', kind: 'serial_tap', path: pair.b, baud_rate: 'auto' }, sink, { autoBaudSampleMs: 100 });
    await waitFor(() => tap.status().status === 'detecting_baud', 5000, 'auto-baud to start');
    expect(tap.status().baud).toEqual({ rate: null, source: 'auto' });
    const pos = await openPort(pair.a);
    // The POS prints while the bridge listens at each rate in turn.
    const first = textReceipt('FIRST', 40);
    for (let at = 0; at < first.length && tap.status().status === 'detecting_baud'; at += 64) {
      await writeAll(pos, first.subarray(at, at + 64));
      await new Promise((r) => setTimeout(r, 15));
    }
    await waitFor(() => tap.status().status === 'connected', 10_000, 'auto-baud result');
    const state = tap.status();
    expect(state.baud!.source).toBe('auto');
    expect(state.baud!.rate).toBeGreaterThan(0);
    expect(state.baud!.score).toBeGreaterThan(0.75);
    expect(state.detail).toMatch(/auto-baud chose \d+ \(score/);
    const second = textReceipt('SECOND');
    await writeAll(pos, second);
    await sink.until(() => sink.jobs.some((j) => Buffer.compare(Buffer.from(j.bytes), second) === 0), 5000, 'second receipt');
    await closePort(pos);
  });

  it('a lane unplugged mid-receipt reads disconnected (never a stale connected), reconnects, and keeps both halves', async () => {
    const dir = tempDir();
    const pair = await ptyPair(dir, 'plug');
    const sink = new RecordingSink();
    const tap = await start({ id: 'lane-2', kind: 'serial_tap', path: pair.b, baud_rate: 115200, idle_ms: 10_000 }, sink);
    await waitFor(() => tap.status().status === 'connected', 5000, 'tap connected');
    const whole = textReceipt('LANE2', 30);
    const half = Math.floor(whole.length / 2);
    let pos = await openPort(pair.a);
    await writeAll(pos, whole.subarray(0, half));
    await waitFor(() => tap.status().bytes === half, 5000, 'first half');
    const seen = sink.states.length;
    // The cable is pulled (the links and the pty go), then the POS side notices and closes its port.
    await pair.kill();
    await closePort(pos);
    await waitFor(() => sink.states.slice(seen).some((s) => s.status === 'disconnected'), 5000, 'disconnected state');
    expect(sink.states.at(-1)!.status).toBe('disconnected');
    expect(tap.status().detail).toMatch(/unplugged|cannot open/);
    await pair.replug();
    await waitFor(() => tap.status().status === 'connected', 5000, 'reconnected');
    pos = await openPort(pair.a);
    await writeAll(pos, whole.subarray(half));
    await sink.until(() => sink.jobs.length > 0, 5000, 'the receipt');
    await closePort(pos);
    expect(sink.jobs).toHaveLength(1);
    expect(Buffer.compare(Buffer.from(sink.jobs[0]!.bytes), whole)).toBe(0);
    expect(sink.jobs[0]!.end).toBe('cut');
  });

  it('a device that cannot be opened does not stop the others', async () => {
    const dir = tempDir();
    const pair = await ptyPair(dir, 'good');
    const sink = new RecordingSink();
    const capture = new Capture(
      [
        DeviceConfig.parse({ id: 'missing', kind: 'serial_tap', path: `${dir}/no-such-port`, baud_rate: 9600 }),
        DeviceConfig.parse({ id: 'good', kind: 'serial_tap', path: pair.b, baud_rate: 115200 }),
      ],
      sink,
      fast,
    );
    started.push(...capture.sources);
    await capture.start();
    await waitFor(() => capture.status()[1]!.status === 'connected', 5000, 'good device');
    const [missing] = capture.status();
    expect(missing!.status).toBe('disconnected');
    expect(missing!.detail).toMatch(/cannot open .*no-such-port.*retrying/);
    const pos = await openPort(pair.a);
    const r = textReceipt('GOOD');
    await writeAll(pos, r);
    await sink.until(() => sink.bytesOf('good').length === r.length);
    await closePort(pos);
    expect(Buffer.compare(sink.bytesOf('good'), r)).toBe(0);
  });
});

describe.skipIf(lacks('ptys', 'the serial tap and ECR tests'))('payment terminal (ECR) on a serial line', () => {
  it('ACKs a good frame, NAKs a bad LRC, counts a retransmit once, and masks the card number', async () => {
    const dir = tempDir();
    const pair = await ptyPair(dir, 'ecr');
    const sink = new RecordingSink();
    const ecr = await start({ id: 'pos-terminal', kind: 'ecr_serial', path: pair.b, baud_rate: 9600 }, sink);
    await waitFor(() => ecr.status().status === 'connected', 5000, 'ecr connected');
    const terminal = await openPort(pair.a, 9600);
    const replies: number[] = [];
    terminal.on('data', (d: Buffer) => replies.push(...d));
    const message = frame('AMOUNT=1500.00|STATUS=APPROVED|AUTH=A1B2C3|PAN=5399 8312 3456 7895|TIME=120501');
    const corrupt = Buffer.from(message);
    corrupt[corrupt.length - 1] = corrupt[corrupt.length - 1]! ^ 0xff;
    await writeAll(terminal, corrupt);
    await waitFor(() => replies.length === 1, 3000, 'NAK');
    expect(replies[0]).toBe(0x15);
    await writeAll(terminal, message);
    await waitFor(() => replies.length === 2, 3000, 'ACK');
    // Our ACK "lost": the terminal sends the same frame again.
    await writeAll(terminal, message);
    await waitFor(() => replies.length === 3, 3000, 'second ACK');
    await closePort(terminal);
    expect(replies).toEqual([0x15, 0x06, 0x06]);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({ deviceId: 'pos-terminal', amountKobo: 150000, approved: true, approvalCode: 'A1B2C3', cardLast4: '7895' });
    expect(JSON.stringify(sink.events)).not.toMatch(/5399|8312|3456/);
  });

  it('reads line-based terminals', async () => {
    const dir = tempDir();
    const pair = await ptyPair(dir, 'ecr-lines');
    const sink = new RecordingSink();
    const ecr = await start({ id: 'lines', kind: 'ecr_serial', path: pair.b, baud_rate: 9600, framing: 'lines', amount_unit: 'kobo' }, sink);
    await waitFor(() => ecr.status().status === 'connected', 5000, 'ecr connected');
    const terminal = await openPort(pair.a, 9600);
    const replies: number[] = [];
    terminal.on('data', (d: Buffer) => replies.push(...d));
    await writeAll(terminal, Buffer.from('READY\r\nAMT:250050;RESULT:DECLINED;CARD:************1111\r\nAMT:99900;RESULT:00;AUTH:778899\r\n'));
    await sink.until(() => sink.events.length === 2);
    await closePort(terminal);
    expect(sink.events.map((e) => [e.amountKobo, e.approved, e.cardLast4 ?? null, e.approvalCode ?? null])).toEqual([
      [250050, false, '1111', null],
      [99900, true, null, '778899'],
    ]);
    expect(replies).toEqual([]);
  });
});
