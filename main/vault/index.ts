// OS keychain access (keytar): the only place secrets are read or written. Names, never values, reach logs and errors.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const DEFAULT_SERVICE = 'TaxPoynt POS Bridge';

/** Secret names the bridge keeps; one keychain entry each, under the service name. */
export type SecretName = 'database-key' | 'refresh-token' | 'signing-secret' | (string & {});

export class KeychainUnavailable extends Error {
  readonly code = 'keychain_unavailable';
  constructor(detail: string) {
    super(
      `The OS keychain is not available (${detail}). Unlock your session's keychain ` +
        '(on Linux: a running Secret Service such as gnome-keyring, unlocked), then run `taxpoynt-bridge doctor`.',
    );
    this.name = 'KeychainUnavailable';
  }
}

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

/** A locked Secret Service may wait forever on an unlock prompt nobody sees: give up after this. */
const KEYCHAIN_TIMEOUT_MS = 8000;

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new KeychainUnavailable(`it did not answer within ${KEYCHAIN_TIMEOUT_MS / 1000} s; it is probably locked`)),
      KEYCHAIN_TIMEOUT_MS,
    );
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

let keytarModule: Keytar | undefined;
function loadKeytar(): Keytar {
  if (!keytarModule) {
    try {
      keytarModule = require('keytar') as Keytar;
    } catch (err) {
      throw new KeychainUnavailable(`the keytar module could not load: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return keytarModule;
}

/** Strips anything that might be a secret out of a keychain error, keeping the reason. */
function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.slice(0, 200);
}

export interface Vault {
  readonly service: string;
  get(name: SecretName): Promise<string | null>;
  set(name: SecretName, value: string): Promise<void>;
  delete(name: SecretName): Promise<boolean>;
  /** Proves the keychain answers and is unlocked (a write, a read and a delete of a probe entry). */
  probe(): Promise<void>;
}

export function serviceName(env: NodeJS.ProcessEnv = process.env): string {
  return env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE?.trim() || DEFAULT_SERVICE;
}

export class KeychainVault implements Vault {
  readonly service: string;
  constructor(service = serviceName()) {
    this.service = service;
  }

  async get(name: SecretName): Promise<string | null> {
    try {
      return await withTimeout(loadKeytar().getPassword(this.service, name));
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  async set(name: SecretName, value: string): Promise<void> {
    try {
      await withTimeout(loadKeytar().setPassword(this.service, name, value));
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  async delete(name: SecretName): Promise<boolean> {
    try {
      return await withTimeout(loadKeytar().deletePassword(this.service, name));
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  async probe(): Promise<void> {
    const name = `probe-${process.pid}`;
    await this.set(name, 'probe');
    const back = await this.get(name);
    await this.delete(name);
    if (back !== 'probe') throw new KeychainUnavailable('a test entry written to it could not be read back');
  }

  private unavailable(err: unknown): KeychainUnavailable {
    return err instanceof KeychainUnavailable ? err : new KeychainUnavailable(reason(err));
  }
}

/**
 * Secrets held in process memory only, never written anywhere: for benchmarks and tests that measure
 * something other than the keychain (the real keychain has its own tests). Not for the product.
 */
export class MemoryVault implements Vault {
  private readonly entries = new Map<string, string>();
  constructor(readonly service = 'memory') {}
  async get(name: SecretName): Promise<string | null> {
    return this.entries.get(name) ?? null;
  }
  async set(name: SecretName, value: string): Promise<void> {
    this.entries.set(name, value);
  }
  async delete(name: SecretName): Promise<boolean> {
    return this.entries.delete(name);
  }
  async probe(): Promise<void> {}
}
