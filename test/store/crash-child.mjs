// Child for the crash test: opens the store (built code in dist/), ingests numbered receipts forever, prints "ack N ID" after each durable commit.
import { openStore } from '../../dist/main/store/index.js';
import { ingestJob, resumeJournal } from '../../dist/main/engine/pipeline.js';
import { KeychainVault } from '../../dist/main/vault/index.js';
import { Logger } from '../../dist/main/telemetry/log.js';
import { join } from 'node:path';
import { crashJob } from './crash-jobs.mjs';

const [dataDir, startText] = process.argv.slice(2);
const store = await openStore({ dataDir, vault: new KeychainVault(), log: new Logger({ file: join(dataDir, 'logs', 'bridge.log') }) });
resumeJournal(store);
process.stdout.write('ready\n');
for (let n = Number(startText); ; n++) {
  const out = ingestJob(store, { deviceId: 'till-crash', integration: 'escpos_serial', bytes: crashJob(n), capturedAt: new Date().toISOString() });
  process.stdout.write(`ack ${n} ${out.job}\n`);
  // Send an earlier job again now and then: it must stay stored once.
  if (n % 5 === 0 && n > 3) {
    const again = ingestJob(store, { deviceId: 'till-crash', integration: 'escpos_serial', bytes: crashJob(n - 3), capturedAt: new Date().toISOString() });
    process.stdout.write(`ack ${n - 3} ${again.job}\n`);
  }
}
