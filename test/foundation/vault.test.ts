// The keychain vault against a real gnome-keyring: round trip, isolation by service name, and a locked keychain's clear error.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeychainVault, KeychainUnavailable, serviceName } from '../../main/vault/index.js';
import { runInKeyring } from './keychain.js';
import { lacks } from '../support/platform.js';

const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING);
const cli = join(process.cwd(), 'dist', 'main', 'cli.js');

describe.runIf(hasKeyring)('vault on the real keychain', () => {
  const vault = new KeychainVault(`tp-test-vault-${process.pid}`);

  it('stores, reads back and deletes a named secret', async () => {
    await vault.set('refresh-token', 'rt-123456789');
    expect(await vault.get('refresh-token')).toBe('rt-123456789');
    expect(await vault.delete('refresh-token')).toBe(true);
    expect(await vault.get('refresh-token')).toBeNull();
  });

  it('entries under another service name are not visible (tests never touch a user\'s entries)', async () => {
    const other = new KeychainVault(`tp-test-other-${process.pid}`);
    await vault.set('signing-secret', 'mine-abcdef');
    expect(await other.get('signing-secret')).toBeNull();
    await vault.delete('signing-secret');
  });

  it('probe passes on an unlocked keychain', async () => {
    await expect(vault.probe()).resolves.toBeUndefined();
  });
});

describe('vault service name', () => {
  it('defaults to "TaxPoynt POS Bridge" and is overridden by TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE', () => {
    expect(serviceName({})).toBe('TaxPoynt POS Bridge');
    expect(serviceName({ TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE: 'tp-ci' })).toBe('tp-ci');
  });
});

describe.skipIf(lacks('gnome-keyring', 'the locked-keychain tests'))('a locked keychain', () => {
  it('raises KeychainUnavailable saying what to do, and doctor reports it with a fix', async () => {
    const ran = await runInKeyring(
      [
        `node --input-type=module -e "import('${join(process.cwd(), 'dist', 'main', 'vault', 'index.js')}').then(async (m) => { try { await new m.KeychainVault('tp-locked').probe(); console.log('NO-ERROR'); } catch (e) { console.log(e.name + ': ' + e.message); } })"`,
        `node ${cli} --data-dir "$XDG_DATA_HOME/bridge" doctor --json`,
        'echo "doctor-exit=$?"',
      ].join('\n'),
      { locked: true, env: { TAXPOYNT_BRIDGE_CLOUD_URL: 'http://127.0.0.1:9' } },
    );
    expect(ran.stdout).not.toContain('NO-ERROR');
    expect(ran.stdout).toMatch(/KeychainUnavailable: The OS keychain is not available .*unlock/i);
    const json = JSON.parse(ran.stdout.slice(ran.stdout.indexOf('{'), ran.stdout.lastIndexOf('}') + 1));
    const keychain = json.checks.find((c: { name: string }) => c.name === 'keychain');
    expect(keychain.ok).toBe(false);
    expect(keychain.fix).toMatch(/unlock/i);
    expect(ran.stdout).toContain('doctor-exit=1');
  });

  it('an unlocked keychain passes the same doctor check', async () => {
    const ran = await runInKeyring(`node ${cli} --data-dir "$XDG_DATA_HOME/bridge" doctor --json`, {
      env: { TAXPOYNT_BRIDGE_CLOUD_URL: 'http://127.0.0.1:9' },
    });
    const json = JSON.parse(ran.stdout);
    expect(json.checks.find((c: { name: string }) => c.name === 'keychain')).toMatchObject({ ok: true });
  });

  it('KeychainUnavailable carries a stable code', () => {
    expect(new KeychainUnavailable('x').code).toBe('keychain_unavailable');
  });
});
