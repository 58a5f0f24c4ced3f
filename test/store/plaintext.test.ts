// No file under the data dir holds a receipt's text, a transaction or the key in plaintext: database, WAL, backups, moved-aside copies, logs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestJob } from '../../main/engine/pipeline.js';
import { latestVersion, MIGRATIONS } from '../../main/store/index.js';
import { harness, type Harness } from './harness.js';
import { receiptJob } from './receipt.js';

let h: Harness;
beforeEach(() => {
  h = harness('plaintext');
});
afterEach(async () => {
  await h.cleanup();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

function leaks(dir: string, needles: Array<{ what: string; bytes: Buffer }>): string[] {
  const found: string[] = [];
  for (const file of filesUnder(dir)) {
    const content = readFileSync(file);
    for (const n of needles) if (content.includes(n.bytes)) found.push(`${n.what} in ${file}`);
  }
  return found;
}

const PAN = '4111 1111 1111 1111';

describe('nothing in plaintext', () => {
  it('leaves no receipt text, transaction field or key in any file the bridge wrote', async () => {
    let store = await h.open();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const bytes = receiptJob({ number: `QZR${7000 + i}`, item: `Zobo Qx${i} Marker`, marker: `CARD ${PAN}` });
      ids.push(ingestJob(store, { deviceId: 'till-marker-1', integration: 'escpos_serial', bytes, capturedAt: new Date().toISOString() }).job);
    }
    h.log.info('ingested', { count: ids.length, first: ids[0] });
    const key = (await h.vault.get('database-key'))!;
    const tx = store.get(ids[0]!)!.transaction!;
    expect(tx.receipt_number).toBe('QZR7000');
    const needles = [
      { what: 'receipt text', bytes: Buffer.from('Zobo Qx') },
      { what: 'receipt number', bytes: Buffer.from('QZR70') },
      { what: 'business name', bytes: Buffer.from('MAMA PUT KITCHEN') },
      { what: 'transaction JSON', bytes: Buffer.from('"receipt_number"') },
      { what: 'card number', bytes: Buffer.from('4111111111111111') },
      { what: 'card number (spaced)', bytes: Buffer.from(PAN) },
      { what: 'key (hex)', bytes: Buffer.from(key) },
      { what: 'key (raw)', bytes: Buffer.from(key, 'hex') },
    ];
    // While running: the WAL holds the recent commits.
    expect(statSync(join(h.dataDir, 'bridge.db-wal')).size).toBeGreaterThan(0);
    expect(leaks(h.dataDir, needles)).toEqual([]);
    store.close();
    // A migration backup and a moved-aside database are files the bridge wrote too.
    store = await h.open({ migrations: [...MIGRATIONS, { version: latestVersion() + 1, name: 'noop', up: () => undefined }] });
    store.close();
    await h.vault.delete('database-key');
    store = await h.open({ migrations: [...MIGRATIONS, { version: latestVersion() + 1, name: 'noop', up: () => undefined }] });
    store.close();
    const names = filesUnder(h.dataDir).map((f) => f.slice(h.dataDir.length + 1));
    expect(names).toEqual(expect.arrayContaining(['logs/bridge.log', expect.stringMatching(/^bridge\.db\.backup-v\d+-/), expect.stringMatching(/^bridge\.db\.key-missing-/)]));
    expect(leaks(h.dataDir, needles)).toEqual([]);
    expect(readFileSync(join(h.dataDir, 'logs', 'bridge.log'), 'utf8')).toContain('"msg":"ingested"');
  });
});
