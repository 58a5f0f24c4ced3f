// The supervised engine: restart schedule, "restarting" while down, attention after repeated crashes, and a real child killed -9 mid-stream losing nothing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeApiError, ReceiptEventView, StatusView } from '../../preload/api.js';
import { ELEVATION_WAIT_MS, EngineHost, nodeForkEngine, RestartPolicy, type ChildMessage, type EngineChild, type HostClock, type HostMessage } from '../../main/engine/host.js';
import { decode } from '../../main/escpos/index.js';
import { printReceipt } from '../../sandbox/receipt-printer.js';
import { writeAll } from '../capture/pty.js';
import { appWorld, hasKeyring, receiptSpec, startEngine, waitFor, type AppWorld } from './fixture.js';
import { lacks } from '../support/platform.js';

const MIN = 60_000;

describe('restart schedule', () => {
  it('waits 1 s, doubling to 60 s, and starts again from 1 s after 10 healthy minutes', () => {
    const policy = new RestartPolicy();
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const up = now;
      now += 1000;
      delays.push(policy.crashed(now, up).delayMs);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    const up = now;
    now += 10 * MIN;
    expect(policy.crashed(now, up).delayMs).toBe(1000);
    expect(policy.crashed(now + 1000, now).delayMs).toBe(2000);
  });

  it('asks for attention at the fifth crash within 10 minutes, not when they are spread out', () => {
    const spread = new RestartPolicy();
    let now = 0;
    for (let i = 0; i < 6; i++) {
      now += 3 * MIN;
      expect(spread.crashed(now, now - 1000).attention).toBe(false);
    }
    const bunched = new RestartPolicy();
    const outcomes = [1, 2, 3, 4, 5].map((i) => bunched.crashed(i * MIN, null));
    expect(outcomes.map((o) => o.attention)).toEqual([false, false, false, false, true]);
  });
});

/** A child in this process that answers like the engine, for the host's own logic; the real child is below. */
class FakeChild implements EngineChild {
  static made: FakeChild[] = [];
  pid = 1000 + FakeChild.made.length;
  private messages: Array<(m: ChildMessage) => void> = [];
  private exits: Array<(code: number | null, signal: string | null) => void> = [];
  constructor() {
    FakeChild.made.push(this);
  }
  send(m: HostMessage): void {
    if (m.type === 'invoke') setImmediate(() => this.emit({ type: 'result', id: m.id, ok: true, value: { echo: m.channel } }));
  }
  onMessage(l: (m: ChildMessage) => void): void {
    this.messages.push(l);
  }
  onExit(l: (code: number | null, signal: string | null) => void): void {
    this.exits.push(l);
  }
  kill(): void {
    this.die(null, 'SIGKILL');
  }
  emit(m: ChildMessage): void {
    for (const l of this.messages) l(m);
  }
  die(code: number | null, signal: string | null): void {
    for (const l of this.exits) l(code, signal);
  }
}

function manualClock(): HostClock & { advance(ms: number): void } {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => (timers = timers.filter((x) => x !== t));
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = until;
    },
  };
}

/** A host on a manual clock whose stand-in engine has started and said it is ready, and never answers a request. */
function readyHostThatNeverAnswers(): { host: EngineHost; child: FakeChild; clock: ReturnType<typeof manualClock> } {
  FakeChild.made = [];
  const clock = manualClock();
  const host = new EngineHost({ fork: () => new FakeChild(), clock });
  host.start();
  const child = FakeChild.made[0]!;
  child.emit({ type: 'ready', pid: 1 });
  child.send = () => undefined; // swallows every request
  return { host, child, clock };
}

const someStatus = { state: 'ok', headline: 'All receipts are being captured and sent to TaxPoynt.', capturePaused: false, devices: [], cloud: { paired: true, state: 'idle', offline: false }, outbox: { review: 0, rejected: 0, pending: 0 }, alerts: [], engine: { state: 'running' } } as unknown as StatusView;

describe('engine host with a stand-in child', () => {
  it('says restarting while the engine is down, refuses requests meanwhile, restarts after the back-off and turns to attention after 5 quick crashes', async () => {
    FakeChild.made = [];
    const clock = manualClock();
    const host = new EngineHost({ fork: () => new FakeChild(), clock });
    const statuses: StatusView[] = [];
    const alerts: unknown[] = [];
    host.on('status', (s) => statuses.push(s));
    host.on('alert', (a) => alerts.push(a));
    host.start();
    FakeChild.made[0]!.emit({ type: 'event', event: 'status', payload: someStatus });
    FakeChild.made[0]!.emit({ type: 'ready', pid: 1000 });
    expect(await host.invoke('status', {})).toEqual({ echo: 'status' });

    FakeChild.made[0]!.die(null, 'SIGKILL');
    expect(statuses.at(-1)!.state).toBe('restarting');
    expect(statuses.at(-1)!.engine.state).toBe('restarting');
    expect(((await host.invoke('status', {})) as StatusView).state).toBe('restarting');
    await expect(host.invoke('receipts.list', {})).rejects.toMatchObject({ code: 'engine_restarting' });

    clock.advance(999);
    expect(FakeChild.made).toHaveLength(1);
    clock.advance(1);
    expect(FakeChild.made).toHaveLength(2);
    FakeChild.made[1]!.emit({ type: 'ready', pid: 1001 });
    expect(host.engineView()).toMatchObject({ state: 'running', restarts: 1 });

    // Four more crashes, each soon after the restart: the fifth within 10 minutes asks for attention.
    for (let i = 1; i <= 4; i++) {
      FakeChild.made.at(-1)!.die(1, null);
      clock.advance(2 ** i * 1000);
      FakeChild.made.at(-1)!.emit({ type: 'ready', pid: 1 });
    }
    expect(host.engineView().state).toBe('attention');
    expect(statuses.at(-1)!.state).toBe('attention');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ code: 'engine_crashing', severity: 'error', notify: true });
    clock.advance(11 * MIN);
    expect(host.engineView().state).toBe('running');
  });

  it('fails a request the dying engine never answered instead of leaving it hanging', async () => {
    const { host, child } = readyHostThatNeverAnswers();
    const answer = host.invoke('doctor', {});
    child.die(null, 'SIGKILL');
    await expect(answer).rejects.toMatchObject({ code: 'engine_restarting' });
  });

  it('a take-over waits for the person answering the Windows administrator prompt; other requests still time out after a minute', async () => {
    const { host, clock } = readyHostThatNeverAnswers(); // nobody answers the prompt yet
    let takeover: unknown = 'waiting';
    void host.invoke('devices.takeover', { queue: 'POS 80' }).catch((e: { code: string }) => (takeover = e.code));
    const doctor = host.invoke('doctor', {});
    clock.advance(60_000);
    await expect(doctor).rejects.toMatchObject({ code: 'engine_timeout' });
    clock.advance(ELEVATION_WAIT_MS - 60_000 - 1);
    await new Promise((r) => setImmediate(r));
    expect(takeover).toBe('waiting');
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
    expect(takeover).toBe('engine_timeout');
  });
});

const childEntry = join(process.cwd(), 'dist', 'main', 'engine', 'child.js');

describe.runIf(hasKeyring && existsSync(childEntry) && !lacks('ptys', 'the real engine child tests (their till is a pty)'))('the real engine child killed -9 mid-stream (built child in dist/)', () => {
  let world: AppWorld | undefined;
  let host: EngineHost | undefined;
  afterEach(async () => {
    await host?.stop();
    host = undefined;
    await world?.close();
    world = undefined;
  });

  it('is restarted by the host, and every receipt it had taken in is there exactly once', async () => {
    world = await appWorld({ sandbox: { autoApprove: true } });
    const options = { dataDir: world.dataDir, configFile: world.configFile, version: '0.1.0-test', forwarder: { idlePollMs: 100, pairingRecheckMs: 200 }, statusIntervalMs: 200 };
    host = new EngineHost({ fork: nodeForkEngine(childEntry, [JSON.stringify(options)]), stopTimeoutMs: 10_000 });
    const receipts: ReceiptEventView[] = [];
    const states: string[] = [];
    host.on('receipt', (r) => receipts.push(r));
    host.on('status', (s) => states.push(s.state));
    host.start();
    await host.whenReady();
    const firstPid = host.pid!;

    let printed = 0;
    const printing = (async () => {
      for (let i = 1; i <= 12; i++) {
        await world!.print(receiptSpec(500 + i, `R-KILL-${i}`));
        printed = i;
        await new Promise((r) => setTimeout(r, 150));
        if (i === 6) await waitFor(() => host!.engineView().state === 'running' && host!.pid !== firstPid, 15_000, 'the restarted engine');
      }
    })();
    await waitFor(() => receipts.length >= 3, 15_000, 'three receipts in before the kill');
    const before = [...new Set(receipts.map((r) => r.id))];
    const seenBefore = states.length;
    process.kill(firstPid, 'SIGKILL');
    await waitFor(() => states.slice(seenBefore).includes('restarting'), 5000, 'restarting shown');
    expect(((await host.invoke('status', {})) as StatusView).state).toBe('restarting');
    await host.invoke('receipts.list', {}).then(
      () => expect.fail('a request while restarting must fail'),
      (err: BridgeApiError) => expect(err.code).toBe('engine_restarting'),
    );
    await host.whenReady();
    expect(host.pid).not.toBe(firstPid);
    await printing;
    expect(printed).toBe(12);
    await waitFor(async () => ((await host!.invoke('receipts.list', { receiptNumber: 'R-KILL-12' })) as { total: number }).total === 1, 15_000, 'the last receipt after the restart');

    const all = (await host.invoke('receipts.list', { limit: 500 })) as { rows: Array<{ id: string; receiptNumber: string }> };
    const ids = all.rows.map((r) => r.id);
    for (const id of before) expect(ids.filter((x) => x === id)).toHaveLength(1);
    const numbers = all.rows.map((r) => r.receiptNumber);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(host.engineView()).toMatchObject({ state: 'running', restarts: 1 });
    await waitFor(() => states.at(-1) !== 'restarting', 5000, 'status back from restarting');
  }, 60_000);

  it('a receipt half printed when the engine is killed -9 is kept: after the restart it is listed, held, with exactly the bytes that arrived', async () => {
    // A long idle gap: only the crash can end the half receipt, never the idle timer.
    world = await appWorld({ sandbox: { autoApprove: true }, idleMs: 60_000 });
    const options = { dataDir: world.dataDir, configFile: world.configFile, version: '0.1.0-test', forwarder: { idlePollMs: 100, pairingRecheckMs: 200 }, statusIntervalMs: 200 };
    host = new EngineHost({ fork: nodeForkEngine(childEntry, [JSON.stringify(options)]), stopTimeoutMs: 10_000 });
    host.start();
    await host.whenReady();
    const firstPid = host.pid!;
    const whole = printReceipt(receiptSpec(801, 'R-WHOLE-1'));
    const next = printReceipt(receiptSpec(802, 'R-HALF-2'));
    const half = next.subarray(0, Math.floor(next.length / 2));
    await writeAll(world.pos, Buffer.concat([whole, half]));
    const deviceBytes = async () => ((await host!.invoke('status', {})) as StatusView).devices.find((d) => d.id === 'till-1')?.bytes ?? 0;
    // The engine counts bytes as they arrive and stages them on the next turn of its event loop (CaptureQueue): a
    // status request answered after the one that saw every byte is answered after that turn, so the half is staged
    // (and nothing is journaled for it yet) when the kill lands. A kill between arrival and staging (under a
    // millisecond) is a known window this test is not about: the first answer alone let the kill land in it.
    await waitFor(async () => (await deviceBytes()) >= whole.length + half.length, 15_000, 'the engine to read every byte');
    await deviceBytes();
    process.kill(firstPid, 'SIGKILL');
    await waitFor(() => host!.pid !== undefined && host!.pid !== firstPid, 15_000, 'a new engine');
    await host.whenReady();

    const list = async () => ((await host!.invoke('receipts.list', { limit: 50 })) as { rows: Array<{ id: string; state: string; receiptNumber: string | null }> }).rows;
    let listed: Array<{ state: string; receiptNumber: string | null }> = [];
    // On a time-out the message names what was listed (one receipt lost, or none recovered, are different bugs).
    await waitFor(async () => (listed = await list()).length === 2, 30_000, 'both receipts listed').catch((err: Error) => {
      throw new Error(`${err.message}; listed: ${JSON.stringify(listed.map((r) => [r.receiptNumber, r.state]))}`);
    });
    const rows = await list();
    const wholeRow = rows.find((r) => r.receiptNumber === 'R-WHOLE-1');
    expect(wholeRow, 'the whole receipt, once').toBeDefined();
    const halfRow = rows.find((r) => r !== wholeRow)!;
    expect(['review', 'unparsed']).toContain(halfRow.state);
    const detail = (await host.invoke('receipts.get', { id: halfRow.id })) as { capture: { bytes: number }; paper: { lines: Array<{ text: string }> }; canReprocess: boolean };
    expect(detail.capture.bytes).toBe(half.length);
    // Shown as the paper printed so far: the same lines the half's bytes decode to.
    expect(detail.paper.lines.map((l) => l.text)).toEqual(decode(half)[0]!.lines.map((l) => l.text));
    expect(detail.paper.lines.length).toBeGreaterThan(3);
    expect(detail.canReprocess).toBe(true);
  }, 60_000);

  it('a second engine on the same data dir says which process holds it, and keeps trying with back-off', async () => {
    world = await appWorld();
    const first = await startEngine(world);
    try {
      const options = { dataDir: world.dataDir, configFile: world.configFile, version: '0.1.0-test' };
      host = new EngineHost({ fork: nodeForkEngine(childEntry, [JSON.stringify(options)]) });
      host.start();
      await waitFor(() => host!.engineView().message !== null, 15_000, 'the refusal');
      expect(host.engineView().message).toContain(`in use by process ${process.pid}`);
      expect(host.engineView().state).toBe('restarting');
      await expect(host.invoke('receipts.list', {})).rejects.toMatchObject({ code: 'engine_restarting' });
    } finally {
      await first.stop();
    }
  });
});
