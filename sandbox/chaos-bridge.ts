// A minimal bridge for the chaos test: the real encrypted store as the outbox and the forwarder, nothing else; exits 0 once drained.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Forwarder } from '../main/cloud/index.js';
import { openStore } from '../main/store/index.js';
import { Logger } from '../main/telemetry/log.js';
import { KeychainVault, serviceName } from '../main/vault/index.js';

const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, url: { type: 'string' } } });
if (!values['data-dir'] || !values.url) {
  console.error('usage: node dist/sandbox/chaos-bridge.js --data-dir DIR --url SANDBOX_URL');
  process.exit(2);
}
const dataDir = values['data-dir'];
const vault = new KeychainVault(serviceName());
const log = new Logger({ file: join(dataDir, 'logs', 'bridge.log'), level: 'info' });
// The only process on this data dir, as the engine is: it returns rows a SIGKILL left in flight to pending.
const store = await openStore({ dataDir, vault, log, recoverInFlight: true });
const forwarder = new Forwarder({
  baseUrl: values.url,
  queue: store,
  vault,
  log,
  batch: { max_items: 100, max_bytes: 1024 * 1024, max_wait_ms: 0 },
  rate: { max_rps: 100 },
  agentVersion: 'chaos',
  timeoutMs: 2000,
  backoff: { baseMs: 50, capMs: 1000 },
  breaker: { failureThreshold: 8, openMs: 500, maxOpenMs: 2000 },
  killedRecheckMs: 1000,
  remoteConfig: false,
});
forwarder.start();
console.log('started');
const timer = setInterval(() => {
  const counts = store.counts();
  if (counts.pending + counts.in_flight === 0) {
    clearInterval(timer);
    void forwarder.stop().then(() => {
      store.close();
      console.log('drained ' + JSON.stringify(counts));
      process.exit(0);
    });
  }
}, 200);
