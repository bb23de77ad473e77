import type { Logger } from '../../src/log.ts';
import { ProviderError } from '../provider.ts';
import type { VaultLoginConfig } from './config.ts';
import { providerError } from './errors.ts';
import { VaultCallError, type VaultClient, type VaultLogin } from './vault-client.ts';

// Renew when two thirds of the token's TTL have passed: one failed attempt still leaves time to retry.
const RENEW_AT = 2 / 3;
const MIN_DELAY_MS = 100;
const MIN_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

interface Held {
  token: string;
  renewable: boolean;
  /** epoch ms; null when the token never expires */
  expiresAt: number | null;
  /** the TTL the token had when obtained: a renewal that answers less has reached the max TTL */
  period: number;
}

/**
 * Tollgate's own Vault token: obtained at start (login, or the configured token checked with
 * lookup-self), renewed with renew-self before it expires, and, for login methods, replaced by
 * a fresh login once renewals stop reaching as far (the max TTL). The old token is left to
 * expire, not revoked: tokens Tollgate created as its children live until then.
 */
export class VaultSession {
  private readonly client: VaultClient;
  private readonly login: VaultLoginConfig;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly origin: string;
  private held: Held | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;

  constructor(opts: { client: VaultClient; login: VaultLoginConfig; log: Logger; now: () => number; address: string }) {
    this.client = opts.client;
    this.login = opts.login;
    this.log = opts.log;
    this.now = opts.now;
    this.origin = new URL(opts.address).origin; // no userinfo, no path: safe in messages
  }

  /** The token to act with. */
  token(): string {
    if (!this.held) throw new ProviderError('upstream_unavailable', 'not authenticated to Vault (the provider has not started)', true);
    return this.held.token;
  }

  async start(): Promise<void> {
    this.running = true;
    try {
      await this.authenticate();
    } catch (e) {
      this.running = false;
      throw this.startError(e);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async authenticate(): Promise<void> {
    const now = this.now();
    if (this.login.method === 'token') {
      const info = await this.client.lookupSelf(this.login.token);
      this.hold({ token: this.login.token, renewable: info.renewable, expiresAt: info.ttl > 0 ? now + info.ttl * 1000 : null, period: info.ttl });
    } else {
      const auth = await this.client.login(this.loginRequest());
      this.hold({ token: auth.clientToken, renewable: auth.renewable, expiresAt: auth.ttl > 0 ? now + auth.ttl * 1000 : null, period: auth.ttl });
    }
    this.log.log('info', 'vault: authenticated', { address: this.origin, method: this.login.method, ttl: this.held?.period ?? 0, renewable: this.held?.renewable ?? false });
  }

  private loginRequest(): VaultLogin {
    const l = this.login;
    if (l.method === 'approle') return { method: 'approle', mount: l.mount, roleId: l.role_id, secretId: l.secret_id };
    if (l.method === 'jwt') return { method: 'jwt', mount: l.mount, role: l.role, jwt: l.jwt };
    throw new ProviderError('misconfigured', 'a static token cannot log in again', false);
  }

  private hold(h: Held): void {
    this.held = h;
    if (h.expiresAt !== null) this.after((h.expiresAt - this.now()) * RENEW_AT);
  }

  private after(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.running) return;
    this.timer = setTimeout(() => void this.refresh(), Math.max(MIN_DELAY_MS, ms));
    this.timer.unref(); // renewal never keeps the process alive
  }

  private async refresh(): Promise<void> {
    const held = this.held;
    if (!held || !this.running) return;
    const canLogin = this.login.method !== 'token';
    const expired = held.expiresAt !== null && held.expiresAt <= this.now();
    try {
      if (held.renewable && !expired) {
        const auth = await this.client.renewSelf(held.token);
        if (auth.ttl < held.period && canLogin) return await this.authenticate();
        if (auth.ttl < held.period) this.log.log('warn', "vault: Tollgate's token is reaching its max TTL and cannot log in again", { expires_in: auth.ttl });
        this.log.log('debug', 'vault: token renewed', { ttl: auth.ttl });
        return this.hold({ ...held, renewable: auth.renewable, expiresAt: auth.ttl > 0 ? this.now() + auth.ttl * 1000 : null });
      }
      if (canLogin) return await this.authenticate();
      this.log.log('error', `vault: Tollgate's token ${expired ? 'has expired' : 'is not renewable and will expire'}; give Tollgate a renewable or periodic token`, {
        expires_in: Math.round(((held.expiresAt ?? 0) - this.now()) / 1000),
      });
    } catch (e) {
      // A refused renewal (the token was revoked, or has run out) does not heal by asking
      // again; with login credentials, the next attempt logs in instead.
      if (canLogin && refused(e)) this.held = { ...held, renewable: false };
      const left = (held.expiresAt ?? this.now()) - this.now();
      this.log.log('warn', 'vault: token renewal failed; will retry', { error: providerError(e, 'renew').message, expires_in: Math.round(left / 1000) });
      this.after(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, left / 3)));
    }
  }

  private startError(e: unknown): ProviderError {
    const what = this.login.method === 'token' ? 'checking auth.token (lookup-self)' : `${this.login.method} login at auth/${this.login.mount}`;
    if (!(e instanceof VaultCallError)) return providerError(e, what);
    if (e.status === null) return new ProviderError('upstream_unavailable', `cannot reach Vault at ${this.origin}: ${e.message}`, true);
    if (e.status >= 500) return new ProviderError('upstream_unavailable', `Vault at ${this.origin} is not serving (HTTP ${e.status}: sealed, uninitialised or failing)`, true);
    const hint = { token: 'check auth.token', approle: 'check auth.role_id and auth.secret_id', jwt: 'check auth.role and auth.jwt' }[this.login.method];
    if (e.status === 404) return new ProviderError('misconfigured', `${what}: Vault at ${this.origin} has no such auth mount (HTTP 404); check auth.mount and namespace`, false);
    return new ProviderError('misconfigured', `${what}: Vault at ${this.origin} refused Tollgate's credentials (HTTP ${e.status}); ${hint}`, false);
  }
}

function refused(e: unknown): boolean {
  return e instanceof VaultCallError && e.status !== null && e.status >= 400 && e.status < 500 && e.status !== 429 && e.status !== 412;
}
