// Test set-up for the store: a temp data dir, a real keychain service unique to the test file, a log that writes into the data dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeychainVault } from '../../main/vault/index.js';
import { Logger } from '../../main/telemetry/log.js';
import { openStore, type Store, type StoreOptions } from '../../main/store/index.js';
import type { JournalInput } from '../../main/store/index.js';

export interface Harness {
  dataDir: string;
  vault: KeychainVault;
  log: Logger;
  open(extra?: Partial<StoreOptions>): Promise<Store>;
  cleanup(): Promise<void>;
}

export function harness(name: string): Harness {
  const dataDir = mkdtempSync(join(tmpdir(), `tp-store-${name}-`));
  const service = `${process.env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE ?? 'tp-test'}-${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const vault = new KeychainVault(service);
  const log = new Logger({ file: join(dataDir, 'logs', 'bridge.log'), level: 'debug' });
  const opened: Store[] = [];
  return {
    dataDir,
    vault,
    log,
    async open(extra = {}) {
      const store = await openStore({ dataDir, vault, log, ...extra });
      opened.push(store);
      return store;
    },
    async cleanup() {
      for (const s of opened) {
        try {
          s.close();
        } catch {
          // already closed
        }
      }
      await vault.delete('database-key').catch(() => false);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** A captured job: ESC/POS-like bytes of about `size` bytes, unique per call unless `text` is given. */
export function job(deviceId = 'till-1', text?: string, size = 1200): JournalInput {
  const body = text ?? `RECEIPT ${++counter} ${Date.now()} ${Math.random()}`;
  const bytes = Buffer.alloc(size, 0x20);
  Buffer.from('\x1b@' + body + '\n').copy(bytes);
  bytes[size - 1] = 0x0a;
  return { deviceId, integration: 'escpos_serial', bytes, capturedAt: new Date().toISOString() };
}
