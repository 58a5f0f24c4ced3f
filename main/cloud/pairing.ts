// Pairing (RFC 8628 device authorization grant) and unpairing: user code, polling with interval and slow_down, secrets to the vault.
import { hostname } from 'node:os';
import { silentLogger, type Logger } from '../telemetry/log.js';
import { registerSecret } from '../telemetry/redact.js';
import type { Vault } from '../vault/index.js';
import { sleep, systemClock, type Clock } from './clock.js';
import { CloudClient } from './client.js';
import type { AgentInfo } from './contract.js';
import { SECRET_NAMES, storeTokens } from './session.js';

export class PairingFailed extends Error {
  constructor(
    readonly code: 'access_denied' | 'expired_token' | 'pairing_refused',
    message: string,
  ) {
    super(message);
    this.name = 'PairingFailed';
  }
}

export interface PairingCode {
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
}

export interface PairOptions {
  baseUrl: string;
  vault: Vault;
  log?: Logger;
  deviceName?: string;
  clock?: Clock;
  timeoutMs?: number;
  onCode(code: PairingCode): void;
  signal?: AbortSignal;
}

/** RFC 8628 §3.5: slow_down adds 5 seconds to the polling interval, for every later request. */
const SLOW_DOWN_STEP_S = 5;

export async function pairDevice(options: PairOptions): Promise<AgentInfo> {
  const clock = options.clock ?? systemClock;
  const log = (options.log ?? silentLogger).child({ component: 'pairing' });
  const client = new CloudClient({ baseUrl: options.baseUrl, clock, log, timeoutMs: options.timeoutMs });
  try {
    const device = await client.authorizeDevice(options.deviceName ?? hostname());
    registerSecret(device.device_code);
    options.onCode({
      user_code: device.user_code,
      verification_uri: device.verification_uri,
      verification_uri_complete: device.verification_uri_complete,
      expires_in: device.expires_in,
    });
    log.info('waiting for the pairing code to be approved', { user_code: device.user_code, interval_s: device.interval });
    const deadline = clock.now() + device.expires_in * 1000;
    let intervalS = Math.max(device.interval, 0);
    for (;;) {
      await sleep(clock, intervalS * 1000, options.signal);
      if (clock.now() > deadline) throw expired();
      let answer;
      try {
        answer = await client.pollDeviceToken(device.device_code);
      } catch (err) {
        // A network blip while polling is not a reason to give up on a code the merchant may be approving.
        log.warn('pairing poll failed; polling again', { error: err });
        continue;
      }
      if (answer.ok) {
        await storeTokens(options.vault, answer.token);
        // A new refresh token no longer matches the mark; deleting it keeps the keychain saying only what is true.
        await options.vault.delete(SECRET_NAMES.pairingLost);
        log.info('paired', { business: answer.token.agent.business_name, agent_id: answer.token.agent.agent_id });
        return answer.token.agent;
      }
      switch (answer.error) {
        case 'authorization_pending':
          continue;
        case 'slow_down':
          intervalS += SLOW_DOWN_STEP_S;
          log.info('the cloud asked to poll more slowly', { interval_s: intervalS });
          continue;
        case 'access_denied':
          throw new PairingFailed('access_denied', 'The pairing was declined in the TaxPoynt dashboard. Run `taxpoynt-bridge pair` again to get a new code.');
        case 'expired_token':
          throw expired();
        default:
          throw new PairingFailed('pairing_refused', `The TaxPoynt cloud refused the pairing (${answer.error}). Run \`taxpoynt-bridge pair\` again.`);
      }
    }
  } finally {
    client.close();
  }
}

function expired(): PairingFailed {
  return new PairingFailed('expired_token', 'The pairing code expired before it was approved. Run `taxpoynt-bridge pair` again to get a new code.');
}

export interface UnpairOptions {
  baseUrl: string;
  vault: Vault;
  log?: Logger;
  clock?: Clock;
}

/** Revokes the refresh token at the cloud (best effort) and deletes the pairing from the vault. Returns whether the cloud confirmed. */
export async function unpair(options: UnpairOptions): Promise<{ revoked: boolean; wasPaired: boolean }> {
  const log = (options.log ?? silentLogger).child({ component: 'pairing' });
  const refreshToken = await options.vault.get(SECRET_NAMES.refreshToken);
  registerSecret(refreshToken);
  let revoked = false;
  if (refreshToken) {
    const client = new CloudClient({ baseUrl: options.baseUrl, clock: options.clock, log });
    try {
      await client.revoke(refreshToken);
      revoked = true;
    } catch (err) {
      log.warn('the cloud could not confirm the revocation; the pairing is deleted here anyway', { error: err });
    } finally {
      client.close();
    }
  }
  await options.vault.delete(SECRET_NAMES.refreshToken);
  await options.vault.delete(SECRET_NAMES.signingSecret);
  await options.vault.delete(SECRET_NAMES.agent);
  await options.vault.delete(SECRET_NAMES.pairingLost);
  log.info('unpaired', { revoked });
  return { revoked, wasPaired: refreshToken !== null };
}
