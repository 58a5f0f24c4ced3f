// The pairing as the forwarder uses it: access token in memory, refresh token and signing secret in the vault, rotation on refresh.
import { createHash } from 'node:crypto';
import { registerSecret } from '../telemetry/redact.js';
import type { Logger } from '../telemetry/log.js';
import type { Vault } from '../vault/index.js';
import type { Clock } from './clock.js';
import type { CloudClient } from './client.js';
import { AgentInfo, type TokenResponse } from './contract.js';

export const SECRET_NAMES = { refreshToken: 'refresh-token', signingSecret: 'signing-secret', agent: 'cloud-agent', pairingLost: 'pairing-lost' } as const;

export class NotPaired extends Error {
  readonly code = 'not_paired';
  constructor() {
    super('This bridge is not paired with a TaxPoynt account. Run `taxpoynt-bridge pair` to pair it; receipts are kept until then.');
    this.name = 'NotPaired';
  }
}

/** The refresh token is dead (invalid_grant): revoked, rotated elsewhere or expired. */
export class PairingLost extends Error {
  readonly code = 'pairing_lost';
  constructor(business?: string | null) {
    super(pairingLostMessage(business ?? null));
    this.name = 'PairingLost';
  }
}

/** The one sentence every surface (run, status, app, tray tooltip) says about a lost pairing. */
export function pairingLostMessage(business: string | null): string {
  return (
    `Pairing lost: TaxPoynt no longer accepts this bridge${business ? ` for ${business}` : ''} (revoked in the dashboard, or its pairing expired). ` +
    'Receipts are still captured and kept; run `taxpoynt-bridge pair` to pair again, and they are sent once the new pairing is approved.'
  );
}

/**
 * What the keychain remembers of a refused pairing: when, and a digest of the refresh token the cloud refused. A pairing
 * whose refresh token has this digest is lost; a new pairing writes a new token, so the mark no longer matches.
 */
interface LostMark {
  at: string;
  refresh_sha256: string;
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

async function readLostMark(vault: Vault): Promise<LostMark | null> {
  const text = await vault.get(SECRET_NAMES.pairingLost);
  if (!text) return null;
  try {
    const mark = JSON.parse(text) as Partial<LostMark>;
    return typeof mark.at === 'string' && typeof mark.refresh_sha256 === 'string' ? { at: mark.at, refresh_sha256: mark.refresh_sha256 } : null;
  } catch {
    return null;
  }
}

/** The pairing as the keychain holds it: the agent, and whether the cloud refused it (`lost`, with when it was found out). */
export interface PairingRecord {
  agent: AgentInfo | null;
  lost: { since: string; agent: AgentInfo | null } | null;
}

/** Reads the pairing and whether it is known to be lost: `status` and `pair` in another process use it, the engine at start. */
export async function readPairing(vault: Vault): Promise<PairingRecord> {
  return (await readPairingAndRefresh(vault)).record;
}

async function readPairingAndRefresh(vault: Vault): Promise<{ record: PairingRecord; refresh: string | null }> {
  const [agent, refresh, mark] = await Promise.all([readAgent(vault), vault.get(SECRET_NAMES.refreshToken), readLostMark(vault)]);
  registerSecret(refresh);
  if (refresh && mark && mark.refresh_sha256 === digest(refresh)) return { record: { agent: null, lost: { since: mark.at, agent } }, refresh };
  return { record: { agent: refresh ? agent : null, lost: null }, refresh };
}

/** Stores what a token answer carries: refresh token (rotated), signing secret and the agent, never the access token. */
export async function storeTokens(vault: Vault, token: TokenResponse): Promise<void> {
  registerSecret(token.access_token);
  registerSecret(token.refresh_token);
  registerSecret(token.signing_secret);
  await vault.set(SECRET_NAMES.refreshToken, token.refresh_token);
  await vault.set(SECRET_NAMES.signingSecret, token.signing_secret);
  await vault.set(SECRET_NAMES.agent, JSON.stringify(token.agent));
}

export async function readAgent(vault: Vault): Promise<AgentInfo | null> {
  const text = await vault.get(SECRET_NAMES.agent);
  if (!text) return null;
  try {
    const parsed = AgentInfo.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Refresh this long before the server says the access token expires. */
const EXPIRY_MARGIN_MS = 30_000;

export class CloudSession {
  agent: AgentInfo | null = null;
  private access: { token: string; expiresAt: number } | null = null;
  private secret: string | null = null;
  private refreshing: Promise<string> | null = null;
  /** The refresh token the cloud refused: the vault still holding it means nobody has paired again yet. */
  private deadRefresh: string | null = null;
  /** Set when the cloud refused the pairing (now or in an earlier run, as the keychain remembers); null when paired or never paired. */
  lost: PairingRecord['lost'] = null;
  /** Called when a refresh finds the pairing refused, from whichever request found it (batch, config poll, heartbeat). */
  onLost: (() => void) | null = null;

  constructor(
    private readonly client: CloudClient,
    private readonly vault: Vault,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  /** Reads the pairing from the vault; null when not paired, or when the keychain remembers the cloud refused it (`lost`). */
  async load(): Promise<AgentInfo | null> {
    const [{ record, refresh }, secret] = await Promise.all([readPairingAndRefresh(this.vault), this.vault.get(SECRET_NAMES.signingSecret)]);
    registerSecret(secret);
    const agent = record.agent;
    const refusedHere = refresh !== null && refresh === this.deadRefresh;
    this.lost = record.lost ?? (refusedHere ? (this.lost ?? { since: new Date(this.clock.now()).toISOString(), agent }) : null);
    if (!agent || !secret || !refresh || this.lost) {
      // Unpaired, never paired, or refused: forget the access token too, so nothing more is sent on it.
      this.agent = null;
      this.secret = null;
      this.access = null;
      return null;
    }
    this.agent = agent;
    this.secret = secret;
    return agent;
  }

  /** Seeds the session from a fresh pairing (saves one refresh). */
  adopt(token: TokenResponse): void {
    this.agent = token.agent;
    this.secret = token.signing_secret;
    this.access = { token: token.access_token, expiresAt: this.clock.now() + token.expires_in * 1000 };
  }

  signingSecret(): string {
    if (!this.secret) throw new NotPaired();
    return this.secret;
  }

  async accessToken(): Promise<string> {
    if (this.access && this.clock.now() < this.access.expiresAt - EXPIRY_MARGIN_MS) return this.access.token;
    return this.refresh();
  }

  /** The server said the token is no good (401 token_expired / invalid_token). */
  invalidateAccessToken(token: string): void {
    if (this.access?.token === token) this.access = null;
  }

  /** One refresh at a time; concurrent callers share it (rotation makes a second refresh with the old token fail). */
  refresh(): Promise<string> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<string> {
    const refreshToken = await this.vault.get(SECRET_NAMES.refreshToken);
    if (!refreshToken) throw new NotPaired();
    registerSecret(refreshToken);
    const answer = await this.client.refresh(refreshToken);
    if (!answer.ok) {
      this.deadRefresh = refreshToken;
      this.access = null;
      const business = this.agent?.business_name ?? null;
      const since = new Date(this.clock.now()).toISOString();
      if (answer.error === 'invalid_grant') {
        this.log.error('pairing lost: the refresh token was refused (invalid_grant); pair again', { code: 'pairing_lost' });
        // Remembered in the keychain, so `status`, `pair` and the next start know it without asking the cloud.
        try {
          await this.vault.set(SECRET_NAMES.pairingLost, JSON.stringify({ at: since, refresh_sha256: digest(refreshToken) } satisfies LostMark));
        } catch (err) {
          this.log.warn('the lost pairing could not be noted in the keychain; this run still knows it', { error: err });
        }
      }
      this.lost = { since, agent: this.agent };
      this.onLost?.();
      throw new PairingLost(business);
    }
    // Rotation: the old refresh token is dead from now on, so the new one is saved before anything else.
    await storeTokens(this.vault, answer.token);
    this.agent = answer.token.agent;
    this.secret = answer.token.signing_secret;
    this.access = { token: answer.token.access_token, expiresAt: this.clock.now() + answer.token.expires_in * 1000 };
    this.log.info('access token refreshed', { expires_in_s: answer.token.expires_in });
    return answer.token.access_token;
  }
}
