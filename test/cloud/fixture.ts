// Shared set-up for the cloud tests: a sandbox, a paired in-memory vault, a forwarder over the in-memory queue, a captured log.
import { Forwarder, type ForwarderOptions } from '../../main/cloud/forwarder.js';
import { pairDevice } from '../../main/cloud/pairing.js';
import { Logger } from '../../main/telemetry/log.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/server.js';
import { MemoryQueue, MemoryVault, makeTransaction } from './memory-queue.js';

export interface Rig {
  sandbox: Sandbox;
  vault: MemoryVault;
  queue: MemoryQueue;
  lines: string[];
  log: Logger;
  forwarder: Forwarder;
  close(): Promise<void>;
}

export function captureLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: new Logger({ level: 'debug', echo: { write: (line) => lines.push(line) } }), lines };
}

export async function pairWith(sandbox: Sandbox, vault: MemoryVault, log: Logger): Promise<void> {
  await pairDevice({ baseUrl: sandbox.url, vault, log, deviceName: 'till-pc', onCode: (code) => sandbox.approve(code.user_code) });
}

/** A paired forwarder with fast back-off and no remote config/heartbeat unless asked. */
export async function rig(sandboxOptions: SandboxOptions = {}, forwarder: Partial<ForwarderOptions> = {}, transactions = 0): Promise<Rig> {
  const sandbox = await startSandbox({ pollIntervalS: 0, ...sandboxOptions });
  const vault = new MemoryVault();
  const { log, lines } = captureLog();
  await pairWith(sandbox, vault, log);
  const queue = new MemoryQueue();
  for (let i = 1; i <= transactions; i++) queue.add(makeTransaction(i));
  const f = new Forwarder({
    baseUrl: sandbox.url,
    queue,
    vault,
    log,
    batch: { max_items: 10, max_bytes: 1024 * 1024, max_wait_ms: 0 },
    rate: { max_rps: 1000 },
    agentVersion: '0.1.0-test',
    backoff: { baseMs: 20, capMs: 200 },
    breaker: { failureThreshold: 50, openMs: 200, maxOpenMs: 1000 },
    concurrency: { initial: 2, max: 8 },
    remoteConfig: false,
    heartbeat: false,
    random: () => 0.5,
    timeoutMs: 5000,
    ...forwarder,
  });
  return {
    sandbox,
    vault,
    queue,
    lines,
    log,
    forwarder: f,
    async close() {
      await f.stop();
      await sandbox.close();
    },
  };
}

/** Every transaction the queue holds was accepted exactly once at the sandbox. */
export function acceptedExactlyOnce(r: Rig): boolean {
  return [...r.queue.rows.keys()].every((id) => r.sandbox.state.transactions[id]?.accepted === 1);
}
