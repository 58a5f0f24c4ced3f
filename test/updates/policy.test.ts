// The pure policy: remote over local settings, pin rules, install window in local time, install decision, first-check delay.
import { describe, expect, it } from 'vitest';
import {
  FIRST_CHECK_MAX_DELAY_MS,
  InstallWindowError,
  allowDowngradeFor,
  feedUrlFor,
  firstCheckDelayMs,
  inInstallWindow,
  installDecision,
  parseInstallWindow,
  pinVerdict,
  resolveUpdateSettings,
  type InstallInputs,
} from '../../main/updates/index.js';
import { RemoteConfig } from '../../main/cloud/contract.js';

const at = (h: number, m = 0) => new Date(2026, 4, 20, h, m);

describe('update settings', () => {
  const local = { channel: 'stable' as const, pin_version: '1.2.0', install_window: '02:00-05:00', base_url: 'https://updates.example' };

  it('uses the local config until a remote config arrives', () => {
    expect(resolveUpdateSettings(local, null)).toEqual({ channel: 'stable', pinVersion: '1.2.0', installWindow: '02:00-05:00', baseUrl: 'https://updates.example' });
  });

  it('lets the remote config set the channel, clear the pin and move the window; the feed base stays local', () => {
    expect(resolveUpdateSettings(local, { channel: 'pilot', pin_version: null, install_window: '23:00-01:00' })).toEqual({
      channel: 'pilot',
      pinVersion: undefined,
      installWindow: '23:00-01:00',
      baseUrl: 'https://updates.example',
    });
  });

  it("reads the cloud's remote config update block (cloud-api.md §4) as it is parsed", () => {
    const remote = RemoteConfig.shape.update.parse({ channel: 'beta', pin_version: '1.1.0' });
    expect(resolveUpdateSettings(local, remote)).toMatchObject({ channel: 'beta', pinVersion: '1.1.0', installWindow: '02:00-05:00' });
  });

  it('builds the channel feed as <base>/<channel>/', () => {
    expect(feedUrlFor('https://updates.example/bridge/', 'beta')).toBe('https://updates.example/bridge/beta/');
  });
});

describe('pin', () => {
  it('is a ceiling that is never passed', () => {
    expect(pinVerdict('1.0.0', '1.3.0', '1.2.0')).toBe('pinned');
    expect(pinVerdict('1.0.0', '1.2.0', '1.2.0')).toBe('allowed');
    expect(pinVerdict('1.0.0', '1.1.0', '1.2.0')).toBe('allowed');
  });

  it('allows a version older than the running one only when it is exactly the pin', () => {
    expect(pinVerdict('1.2.0', '1.1.0', '1.1.0')).toBe('allowed');
    expect(pinVerdict('1.2.0', '1.0.0', '1.1.0')).toBe('older');
    expect(pinVerdict('1.2.0', '1.1.0')).toBe('older');
    expect(allowDowngradeFor('1.2.0', '1.1.0')).toBe(true);
    expect(allowDowngradeFor('1.2.0', '1.3.0')).toBe(false);
    expect(allowDowngradeFor('1.2.0')).toBe(false);
  });
});

describe('install window', () => {
  it('is local time, start inclusive, end exclusive', () => {
    const w = parseInstallWindow('02:00-05:00');
    expect(inInstallWindow(at(1, 59), w)).toBe(false);
    expect(inInstallWindow(at(2, 0), w)).toBe(true);
    expect(inInstallWindow(at(4, 59), w)).toBe(true);
    expect(inInstallWindow(at(5, 0), w)).toBe(false);
  });

  it('may wrap midnight', () => {
    const w = parseInstallWindow('23:30-01:00');
    expect(inInstallWindow(at(23, 45), w)).toBe(true);
    expect(inInstallWindow(at(0, 30), w)).toBe(true);
    expect(inInstallWindow(at(12, 0), w)).toBe(false);
  });

  it('refuses a window that is not HH:MM-HH:MM with a message naming the setting', () => {
    expect(() => parseInstallWindow('2-5')).toThrow(InstallWindowError);
    expect(() => parseInstallWindow('25:00-05:00')).toThrow(/update\.install_window/);
  });
});

describe('install decision', () => {
  const base: InstallInputs = {
    now: at(3),
    installWindow: '02:00-05:00',
    downloadedVersion: '1.1.0',
    lastReceiptAt: null,
    batchInFlight: false,
    merchantAsked: false,
  };

  it('installs in the window when the till is quiet', () => {
    expect(installDecision(base)).toEqual({ install: true, why: 'in_window' });
  });

  it('waits for the window, a quiet till and no batch in flight', () => {
    expect(installDecision({ ...base, now: at(14) })).toEqual({ install: false, why: 'outside_window' });
    expect(installDecision({ ...base, lastReceiptAt: at(2, 51).getTime() })).toEqual({ install: false, why: 'receipt_recent' });
    expect(installDecision({ ...base, lastReceiptAt: at(2, 50).getTime() })).toEqual({ install: true, why: 'in_window' });
    expect(installDecision({ ...base, batchInFlight: true })).toEqual({ install: false, why: 'batch_in_flight' });
  });

  it('installs at once when the merchant asks, and never without a downloaded version', () => {
    expect(installDecision({ ...base, now: at(14), lastReceiptAt: at(14).getTime(), merchantAsked: true })).toEqual({ install: true, why: 'merchant_asked' });
    expect(installDecision({ ...base, downloadedVersion: null, merchantAsked: true })).toEqual({ install: false, why: 'nothing_downloaded' });
  });
});

describe('first check', () => {
  it('comes after a random delay of at most 10 minutes', () => {
    expect(firstCheckDelayMs(() => 0)).toBe(0);
    expect(firstCheckDelayMs(() => 0.5)).toBe(5 * 60_000);
    expect(firstCheckDelayMs(() => 1)).toBeLessThan(FIRST_CHECK_MAX_DELAY_MS);
  });
});
