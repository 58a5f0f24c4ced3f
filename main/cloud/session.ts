// The pairing as the forwarder uses it: access token in memory, refresh token and signing secret in the vault, rotation on refresh.
import { registerSecret } from '../telemetry/redact.js';
import type { Logger } from '../telemetry/log.js';
import type { Vault } from '../vault/index.js';
import type { Clock } from './clock.js';
import type { CloudClient } from './client.js';
import { AgentInfo, type TokenResponse } from './contract.js';

export const SECRET_NAMES = { refreshToken: 'refresh-token', signingSecret: 'signing-secret', agent: 'cloud-agent' } as const;

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
  constructor() {
    super('The pairing with TaxPoynt is no longer valid. Pair again with `taxpoynt-bridge pair`; receipts are still captured and kept until then.');
    this.name = 'PairingLost';
  }
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

  constructor(
    private readonly client: CloudClient,
    private readonly vault: Vault,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  /** Reads the pairing from the vault; null when not paired. */
  async load(): Promise<AgentInfo | null> {
    const [agent, secret, refresh] = await Promise.all([
      readAgent(this.vault),
      this.vault.get(SECRET_NAMES.signingSecret),
      this.vault.get(SECRET_NAMES.refreshToken),
    ]);
    registerSecret(secret);
    registerSecret(refresh);
    if (!agent || !secret || !refresh || refresh === this.deadRefresh) {
      // Unpaired (or never paired): forget the access token too, so nothing more is sent on it.
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
      if (answer.error === 'invalid_grant') {
        this.access = null;
        this.log.error('pairing lost: the refresh token was refused (invalid_grant); pair again', { code: 'pairing_lost' });
        throw new PairingLost();
      }
      throw new PairingLost();
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
