// The Receipts screen's queries at 100,000 rows: first page, a later page by cursor and the filters answer fast, over the real encrypted store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../main/store/index.js';
import { ReceiptsView } from '../../main/engine/receipts-view.js';
import { silentLogger } from '../../main/telemetry/log.js';
import { MemoryVault } from '../../main/vault/index.js';

const ROWS = 100_000;


/**
 * The best of three runs: the limits below tell an indexed query from a scan of 100,000 rows, and one
 * scheduling hiccup on a busy CI machine must not pass for a scan. The figures themselves are in the bench.
 */
function timed<T>(fn: () => T): { value: T; ms: number } {
  let best = Infinity;
  let value!: T;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    value = fn();
    best = Math.min(best, performance.now() - start);
  }
  return { value, ms: best };
}

describe('receipts read model at 100,000 rows', () => {
  let dir: string;
  let store: Store;
  let view: ReceiptsView;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-scale-'));
    store = await openStore({ dataDir: dir, vault: new MemoryVault(), log: silentLogger });
    const db = store.connection;
    const journal = db.prepare(`INSERT INTO journal (seq, device_id, integration, captured_at, journaled_at, sha256, size, parsed, bytes) VALUES (?, ?, 'escpos_serial', ?, ?, ?, 2, 1, ?)`);
    const outbox = db.prepare(
      `INSERT INTO outbox (id, journal_seq, receipt_index, byte_start, byte_end, device_id, state, receipt_number, tx_json, problems_json, irn, created_at, updated_at)
       VALUES (?, ?, 0, 0, 2, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const states = ['accepted', 'accepted', 'accepted', 'pending', 'review', 'rejected'] as const;
    const start = Date.parse('2026-01-01T08:00:00Z');
    db.transaction(() => {
      for (let i = 0; i < ROWS; i++) {
        const id = `tx_${i.toString(16).padStart(40, '0')}`;
        const device = i % 3 === 0 ? 'till-2' : 'till-1';
        const at = new Date(start + i * 60_000).toISOString();
        const state = states[i % states.length]!;
        journal.run(i + 1, device, at, at, '0'.repeat(64), Buffer.from([0x1b, 0x40]));
        const tx = { receipt_number: `R-${String(i).padStart(6, '0')}`, issued_at: at, totals: { subtotal: '100.00', tax: '7.50', total: '107.50' } };
        const problems = state === 'review' ? [{ code: 'totals_mismatch', field: 'totals.total', message: 'the lines add up to 100.00 but the total says 107.50' }] : [];
        outbox.run(id, i + 1, device, state, tx.receipt_number, JSON.stringify(tx), JSON.stringify(problems), state === 'accepted' ? `IRN-${i}` : null, at, at);
      }
    })();
    view = new ReceiptsView(store);
  }, 120_000);

  afterAll(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the first page, the next page by cursor and a deep page in under 100 ms each', () => {
    view.list({ limit: 100 }); // statements warm, as they are after the first paint
    const first = timed(() => view.list({ limit: 100 }));
    expect(first.value.total).toBe(ROWS);
    expect(first.value.rows[0]!.receiptNumber).toBe('R-099999');
    expect(first.ms).toBeLessThan(100);
    const next = timed(() => view.list({ limit: 100, cursor: first.value.nextCursor }));
    expect(next.value.rows[0]!.receiptNumber).toBe('R-099899');
    // The page itself; the total is the same count again (the screen may reuse the first one).
    expect(next.ms).toBeLessThan(100);
    const deep = timed(() => view.list({ limit: 100, cursor: (50_000).toString(36) }));
    expect(deep.value.rows[0]!.receiptNumber).toBe('R-049998');
    expect(deep.ms).toBeLessThan(100);
  });

  it('filters by state, device, receipt number and date with the right totals, each in under 300 ms', () => {
    const review = timed(() => view.list({ states: ['review'], limit: 50 }));
    expect(review.value.total).toBe(Array.from({ length: ROWS }, (_, i) => i % 6 === 4).filter(Boolean).length);
    expect(review.value.rows.every((r) => r.state === 'review' && r.reason?.includes('total'))).toBe(true);
    expect(review.ms).toBeLessThan(300);

    const device = timed(() => view.list({ deviceId: 'till-2', limit: 50 }));
    expect(device.value.total).toBe(Math.ceil(ROWS / 3));
    expect(device.ms).toBeLessThan(300);

    const number = timed(() => view.list({ receiptNumber: 'r-012345', limit: 50 }));
    expect(number.value.rows.map((r) => r.receiptNumber)).toEqual(['R-012345']);
    expect(number.ms).toBeLessThan(300);

    const day = timed(() => view.list({ from: '2026-01-02T00:00:00Z', to: '2026-01-03T00:00:00Z', limit: 50 }));
    expect(day.value.total).toBe(24 * 60);
    expect(day.ms).toBeLessThan(300);
  });

  it("computes the status's today figures and last receipt per device in under 50 ms", () => {
    const today = timed(() => new ReceiptsView(store, () => new Date('2026-04-01T12:00:00Z')).today());
    expect(today.value.byDevice.get('till-1')!.last).toBe(new Date(Date.parse('2026-01-01T08:00:00Z') + 99_998 * 60_000).toISOString());
    expect(today.value.byDevice.get('till-2')!.last).toBe(new Date(Date.parse('2026-01-01T08:00:00Z') + 99_999 * 60_000).toISOString());
    expect(today.value.receipts).toBe(0);
    expect(today.ms).toBeLessThan(50);
  });
});
