// Job assembly over the real decoder: chunks split anywhere, decoder failures, bounded memory; HID parsing and hot-plug; silence alert.
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createSource,
  DeviceConfig,
  escposDecoder,
  JobAssembler,
  parseReports,
  type CapturedJob,
  type CaptureSink,
  type DeviceState,
  type HidBinding,
  type ReceiptStream,
} from '../../main/capture/index.js';
import { Logger } from '../../main/telemetry/log.js';

const log = new Logger({ level: 'error' });
const corpusDir = new URL('../fixtures/escpos-corpus/thermal/', import.meta.url);
const corpus = readdirSync(corpusDir).filter((f) => f.endsWith('.bin')).sort().map((f) => readFileSync(new URL(f, corpusDir)));

function recorder() {
  const jobs: CapturedJob[] = [];
  const states: DeviceState[] = [];
  const sink: CaptureSink = { job: (j) => jobs.push(j), terminalEvent: () => undefined, deviceState: (s) => states.push(s) };
  return { jobs, states, sink };
}

function assembler(sink: CaptureSink, extra: Partial<ConstructorParameters<typeof JobAssembler>[0]> = {}) {
  let unclaimed = 0;
  let now = 0;
  const a = new JobAssembler({
    deviceId: 'd',
    integration: 'escpos_serial',
    codepage: 'CP437',
    idleMs: 2000,
    sink,
    decoder: escposDecoder,
    clock: { now: () => now },
    log,
    onUnclaimed: (n) => (unclaimed += n),
    ...extra,
  });
  return { a, unclaimed: () => unclaimed, advance: (ms: number) => (now += ms) };
}

describe('job assembler', () => {
  it('however the bytes are chunked, the jobs are the same and together cover every byte', () => {
    const stream = Buffer.concat(corpus);
    const whole = recorder();
    const w = assembler(whole.sink);
    w.a.push(stream);
    w.a.flush();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 200 }), (sizes) => {
        const r = recorder();
        const s = assembler(r.sink);
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const n = sizes[i % sizes.length]!;
          s.a.push(stream.subarray(at, at + n));
          at += n;
        }
        s.a.flush();
        expect(r.jobs.map((j) => Buffer.from(j.bytes).toString('hex'))).toEqual(whole.jobs.map((j) => Buffer.from(j.bytes).toString('hex')));
        expect(Buffer.concat(r.jobs.map((j) => j.bytes)).length + s.unclaimed()).toBe(stream.length);
        expect(Buffer.compare(Buffer.concat(r.jobs.map((j) => j.bytes)), stream.subarray(0, stream.length - s.unclaimed()))).toBe(0);
      }),
      { numRuns: 25 },
    );
    expect(whole.jobs.length).toBeGreaterThan(corpus.length - 1);
  });

  it('byte-by-byte delivery journals exactly the bytes that arrived, a command split across chunks included', () => {
    const r = recorder();
    const s = assembler(r.sink);
    for (const b of Buffer.from('\x1b@hello\n\x1b@world\n')) s.a.push(Uint8Array.of(b));
    s.a.flush();
    expect(r.jobs.map((j) => [Buffer.from(j.bytes).toString('latin1'), j.end])).toEqual([
      ['\x1b@hello\n', 'new_job'],
      ['\x1b@world\n', 'end_of_data'],
    ]);
  });

  it('hands every chunk on for staging before decoding, and each job says where in the stream it ends', () => {
    const chunks: Array<{ stream: string; start: number; bytes: string }> = [];
    const consumed: Array<[string, number]> = [];
    const r = recorder();
    const sink: CaptureSink = {
      ...r.sink,
      chunk: (c) => chunks.push({ stream: c.stream, start: c.start, bytes: Buffer.from(c.bytes).toString('latin1') }),
      consumed: (stream, end) => consumed.push([stream, end]),
    };
    const s = assembler(sink);
    const stream = '\x1b@one\n\x1dV\x00\x1b@two\n\x1dV\x00\x1bp\x00\x19\xfa';
    for (const piece of [stream.slice(0, 5), stream.slice(5, 14), stream.slice(14)]) s.a.push(Buffer.from(piece, 'latin1'));
    s.a.flush();
    // The chunks, in order and contiguous, are the whole stream.
    expect(chunks.map((c) => c.bytes).join('')).toBe(stream);
    expect(chunks.map((c) => c.start)).toEqual([0, 5, 14]);
    expect(new Set(chunks.map((c) => c.stream)).size).toBe(1);
    // Each job ends where the next begins; the drawer kick after the last cut is consumed without a job.
    const id = chunks[0]!.stream;
    expect(r.jobs.map((j) => j.consumes)).toEqual([
      { stream: id, end: r.jobs[0]!.bytes.length },
      { stream: id, end: r.jobs[0]!.bytes.length + r.jobs[1]!.bytes.length },
    ]);
    expect(consumed).toEqual([[id, stream.length]]);
    // Another stream (another lane, or after a restart) has its own id.
    const other: string[] = [];
    assembler({ ...r.sink, chunk: (c) => other.push(c.stream) }).a.push(Buffer.from('x'));
    expect(other[0]).not.toBe(id);
  });

  it('a receipt that never cuts is ended by the idle gap', () => {
    const r = recorder();
    const s = assembler(r.sink);
    s.a.push(Buffer.from('\x1b@no cut here\n'));
    s.advance(1000);
    s.a.tick();
    expect(r.jobs).toHaveLength(0);
    s.advance(1500);
    s.a.tick();
    expect(r.jobs.map((j) => j.end)).toEqual(['idle']);
    expect(s.a.heldBytes).toBe(0);
  });

  it('a decoder that throws never loses the bytes: they go out as one job and a fresh decoder takes over', () => {
    const r = recorder();
    let calls = 0;
    const flaky = (o: { codepage: string; idleMs: number }): ReceiptStream => {
      const real = escposDecoder(o);
      return {
        push: (chunk, now) => {
          if (++calls === 2) throw new Error('decoder bug');
          return real.push(chunk, now);
        },
        tick: (now) => real.tick(now),
        end: () => real.end(),
      };
    };
    const s = assembler(r.sink, { decoder: flaky });
    s.a.push(Buffer.from('\x1b@first half '));
    s.a.push(Buffer.from('second half\n'));
    s.a.push(Buffer.from('\x1b@next\n\x1dV\x00'));
    expect(r.jobs.map((j) => Buffer.from(j.bytes).toString('latin1'))).toEqual(['\x1b@first half second half\n', '\x1b@next\n\x1dV\x00']);
  });

  it('memory per device is bounded: an endless receipt is closed at the limit', () => {
    const r = recorder();
    const s = assembler(r.sink, { maxPendingBytes: 64 * 1024 });
    const line = Buffer.from('x'.repeat(47) + '\n');
    let max = 0;
    for (let i = 0; i < 10_000; i++) {
      s.a.push(line);
      max = Math.max(max, s.a.heldBytes);
    }
    expect(max).toBeLessThanOrEqual(64 * 1024 + line.length);
    expect(r.jobs.length).toBeGreaterThan(5);
    expect(r.jobs.reduce((n, j) => n + j.bytes.length, 0) + s.a.heldBytes).toBe(10_000 * line.length);
  });
});

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/hid/${name}`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => Buffer.from(l.replace(/\s+/g, ''), 'hex'));

describe('HID reports', () => {
  it('a keyboard-wedge scanner types its text once per key press, held keys not repeated', () => {
    expect(Buffer.from(parseReports('keyboard', fixture('keyboard-wedge-scan.hex'))).toString('latin1')).toBe('SCAN 4006381333931\nRcpt-0042 Total: 1,500.00\n');
  });

  it('a serial-over-HID bridge yields the ESC/POS job it carries, control reports skipped', () => {
    const job = readFileSync(new URL('../fixtures/hid/cp2110-escpos-job.bin', import.meta.url));
    expect(Buffer.compare(Buffer.from(parseReports('length_prefixed', fixture('cp2110-escpos-job.hex'))), job)).toBe(0);
  });

  it('a HID device plugged in late is found, read, and shown disconnected when unplugged', async () => {
    const reports = fixture('cp2110-escpos-job.hex');
    const present: Array<{ vendorId: number; productId: number; path: string }> = [];
    let handle: EventEmitter & { close(): void } = Object.assign(new EventEmitter(), { close: () => undefined });
    const binding: HidBinding = {
      devices: () => present,
      open: async () => {
        handle = Object.assign(new EventEmitter(), { close: () => undefined });
        return handle as never;
      },
    };
    const r = recorder();
    const source = createSource(DeviceConfig.parse({ id: 'hid-1', kind: 'hid', vendor_id: '10c4', product_id: '0x ea80'.replace(' ', ''), report: 'length_prefixed' }), r.sink, {
      log,
      hid: binding,
      hidPollMs: 20,
    });
    await source.start();
    expect(source.status()).toMatchObject({ status: 'disconnected', detail: expect.stringMatching(/10c4:ea80 not plugged in/) });
    present.push({ vendorId: 0x10c4, productId: 0xea80, path: '/dev/hidraw3' });
    await expect.poll(() => source.status().status).toBe('connected');
    for (const rep of reports) handle.emit('data', rep);
    handle.emit('error', new Error('device disconnected'));
    expect(source.status().status).toBe('disconnected');
    expect(r.jobs).toHaveLength(1);
    expect(r.jobs[0]).toMatchObject({ deviceId: 'hid-1', integration: 'hid', end: 'cut' });
    // Plugged back in: found again by the poll.
    await expect.poll(() => source.status().status).toBe('connected');
    await source.stop();
    expect(r.states.at(-1)!.status).toBe('stopped');
  });
});

describe('silence alert', () => {
  it('a device silent during business hours raises the alert (injected clock); data clears it', async () => {
    let now = Date.parse('2026-11-26T09:00:00Z');
    const r = recorder();
    const source = createSource(
      DeviceConfig.parse({ id: 'quiet', kind: 'hid', vendor_id: 1, product_id: 2, report: 'raw', silence_alert: { after_minutes: 45, business_hours: '08:00-20:00' } }),
      r.sink,
      { log, clock: { now: () => now }, tzOffsetMinutes: 60, hid: { devices: () => [], open: async () => { throw new Error('absent'); } }, hidPollMs: 60_000 },
    ) as ReturnType<typeof createSource> & { checkSilence(): void };
    await source.start();
    now += 44 * 60_000;
    source.checkSilence();
    expect(source.status().silentSince).toBeNull();
    now += 2 * 60_000;
    source.checkSilence();
    expect(source.status().silentSince).toBe('2026-11-26T09:45:00.000Z');
    expect(r.states.at(-1)!.silentSince).toBe('2026-11-26T09:45:00.000Z');
    // After closing time the alert no longer stands.
    now = Date.parse('2026-11-26T19:30:00Z');
    source.checkSilence();
    expect(source.status().silentSince).toBeNull();
    await source.stop();
  });
});
