import type { ResourceConfig } from '../../src/config/schema.ts';
import type { Grant } from '../../src/model/grant.ts';
import type { Logger } from '../../src/log.ts';
import type { IssueRequest, IssuedCredential, Provider } from '../provider.ts';
import { TOKEN_TYPE } from '../token-types.ts';
import type { VaultConfig } from './config.ts';
import type { VaultDeps } from './deps.ts';
import { isGone, providerError } from './errors.ts';
import { issueDynamic, readKv } from './issue-secret.ts';
import { issueToken } from './issue-token.ts';
import { parseLease } from './lease-handle.ts';
import { actionSettings, planFor } from './plan.ts';
import { VaultSession } from './session.ts';
import type { VaultClient } from './vault-client.ts';

export interface VaultProviderOptions {
  name: string;
  config: VaultConfig;
  client: VaultClient;
  log: Logger;
  now: () => number;
}

/**
 * HashiCorp Vault: per resource action, a Vault token with named policies, a leased dynamic
 * secret, or a KV secret. Tollgate logs in at start and keeps its own token renewed.
 */
export class VaultProvider implements Provider {
  readonly type = 'vault';
  readonly upstreamTokenTypes = [TOKEN_TYPE.vaultToken, TOKEN_TYPE.secret] as const;
  readonly name: string;
  private readonly session: VaultSession;
  private readonly deps: VaultDeps;

  constructor(opts: VaultProviderOptions) {
    this.name = opts.name;
    this.session = new VaultSession({ client: opts.client, login: opts.config.auth, log: opts.log, now: opts.now, address: opts.config.address });
    this.deps = { client: opts.client, token: () => this.session.token(), now: opts.now, log: opts.log };
  }

  /** Resources whose actions read KV: static secrets, which a revocation cannot take back. */
  private readonly kvResources = new Set<string>();

  checkResource(resource: ResourceConfig): void {
    for (const [action, settings] of Object.entries(resource.actions)) {
      if (actionSettings(action, settings).kind === 'kv') this.kvResources.add(resource.id);
    }
  }

  isStatic(resourceId: string): boolean {
    return this.kvResources.has(resourceId);
  }

  start(): Promise<void> {
    return this.session.start();
  }

  stop(): Promise<void> {
    return this.session.stop();
  }

  async issue(req: IssueRequest): Promise<IssuedCredential> {
    const plan = planFor(req.resource, req.actions);
    if (plan.kind === 'token') return issueToken(this.deps, plan, req);
    if (plan.kind === 'dynamic') return issueDynamic(this.deps, plan, req);
    return readKv(this.deps, plan, req);
  }

  /**
   * Token → revoke-accessor (its children go too); lease → sys/leases/revoke. What is already
   * gone is success. A null lease (the process stopped before Vault answered) leaves nothing to
   * find: that credential ends at its TTL, which never exceeds the grant's (plus a dynamic
   * action's max_overrun).
   */
  async revoke(lease: string | null, grant: Grant): Promise<void> {
    if (lease === null) return;
    const handle = parseLease(lease);
    if (!handle) {
      this.deps.log.log('warn', 'vault: not a lease this provider recorded; nothing to revoke', { grant_id: grant.id, provider: this.name });
      return;
    }
    try {
      if (handle.kind === 'accessor') await this.deps.client.revokeAccessor(this.session.token(), handle.accessor);
      else await this.deps.client.revokeLease(this.session.token(), handle.leaseId);
    } catch (e) {
      if (isGone(e)) return;
      throw providerError(e, `revoking grant ${grant.id}'s ${handle.kind}`);
    }
  }
}
