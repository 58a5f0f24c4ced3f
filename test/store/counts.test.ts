// Counts by state (what Bridge.status() shows every 2 s) are kept as rows move, equal a real COUNT after any sequence of moves, and are put right at start-up.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUTBOX_STATES, type OutboxState, type Store } from '../../main/store/index.js';
import { harness, job, type Harness } from './harness.js';
import { parsed } from './sample.js';

let h: Harness;
beforeEach(() => {
  h = harness('counts');
});
afterEach(async () => {
  await h.cleanup();
});

function realCounts(store: Store): Record<OutboxState, number> {
  const out = Object.fromEntries(OUTBOX_STATES.map((s) => [s, 0])) as Record<OutboxState, number>;
  for (const r of store.connection.prepare('SELECT state, count(*) AS n FROM outbox GROUP BY state').all() as Array<{ state: OutboxState; n: number }>) out[r.state] = r.n;
  return out;
}

function idsIn(store: Store, state: OutboxState): string[] {
  return (store.connection.prepare('SELECT id FROM outbox WHERE state = ? ORDER BY seq').all(state) as Array<{ id: string }>).map((r) => r.id);
}

describe('outbox counts by state', () => {
  it('equal a real COUNT after each of 400 random operations (ingest, claim, release, settle, retry, reparse, purge, restart)', async () => {
    let now = Date.parse('2026-11-26T06:00:00Z');
    let store = await h.open({ clock: () => new Date(now), recoverInFlight: true });
    let seed = 0x5eed;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pick = <T>(list: T[]): T | undefined => (list.length ? list[random(list.length)] : undefined);
    const done: string[] = [];
    for (let step = 0; step < 400; step++) {
      now += 60_000;
      const op = random(9);
      if (op <= 1) {
        const jobs = Array.from({ length: 1 + random(5) }, () => job());
        const results = store.journalBatch(jobs);
        store.recordParseBatch(results.map((r) => parsed(r.id, (['pending', 'pending', 'review', 'unparsed'] as const)[random(4)]!)));
        done.push(`ingest ${jobs.length}`);
      } else if (op === 2) {
        done.push(`claim ${store.claim(1 + random(6), 1 << 20).length}`);
      } else if (op === 3) {
        const flying = idsIn(store, 'in_flight');
        store.release(flying.slice(0, 1 + random(3)), 'connection reset');
        done.push('release');
      } else if (op === 4) {
        const flying = idsIn(store, 'in_flight');
        store.settle(flying.slice(0, 1 + random(4)).map((id) => ({ id, status: (['accepted', 'duplicate', 'rejected'] as const)[random(3)]! })));
        done.push('settle');
      } else if (op === 5) {
        const id = pick(idsIn(store, 'rejected'));
        if (id) store.retry(id);
        done.push('retry');
      } else if (op === 6) {
        const id = pick([...idsIn(store, 'review'), ...idsIn(store, 'unparsed')]);
        if (id) store.replaceParse(parsed(id, (['pending', 'review', 'unparsed'] as const)[random(3)]!), 'profile fixed');
        done.push('reparse');
      } else if (op === 7) {
        now += 40 * 86_400_000;
        done.push(`purge ${store.purge(30)}`);
      } else {
        // A restart: in-flight rows go back to pending, the counts are reconciled.
        store.close();
        store = await h.open({ clock: () => new Date(now), recoverInFlight: true });
        done.push('restart');
      }
      expect(store.counts(), `after ${done.slice(-3).join(', ')} (step ${step})`).toEqual(realCounts(store));
    }
    const total = Object.values(store.counts()).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(50);
    // Every state was reached along the way (the sequence exercised each kind of move).
    expect(done.filter((d) => d.startsWith('purge') && d !== 'purge 0').length).toBeGreaterThan(0);
  });

  it('are corrected at start-up when they disagree with the rows (a table edited by hand), and the correction is logged', async () => {
    const store = await h.open();
    const ids = store.journalBatch([job(), job(), job()]).map((r) => r.id);
    store.recordParseBatch([parsed(ids[0]!), parsed(ids[1]!), parsed(ids[2]!, 'review')]);
    store.connection.exec(`UPDATE outbox_counts SET n = n + 7 WHERE state = 'pending'; UPDATE outbox_counts SET n = 0 WHERE state = 'review'`);
    // counts() reads the kept counts, not a COUNT over the outbox: it shows the edit.
    expect(store.counts()).toMatchObject({ pending: 9, review: 0 });
    store.close();
    const again = await h.open({ recoverInFlight: true });
    expect(again.counts()).toEqual(realCounts(again));
    expect(again.counts()).toMatchObject({ pending: 2, review: 1 });
    const log = readFileSync(join(h.dataDir, 'logs', 'bridge.log'), 'utf8');
    expect(log).toContain('outbox counts corrected from a real count');
    // Sound counts are left alone.
    expect(again.reconcileCounts()).toEqual([]);
  });
});
