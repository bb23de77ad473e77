// The local Vault's memory: tokens with accessors, parents and TTLs; leases; a minimal ACL.
import { randomBytes, randomUUID } from 'node:crypto';

export interface TokenEntry {
  id: string;
  accessor: string;
  policies: string[];
  identityPolicies: string[];
  meta: Record<string, string>;
  displayName: string;
  path: string;
  namespace: string;
  /** the token id of the parent; null for orphans (login tokens, root) */
  parent: string | null;
  type: 'service' | 'batch';
  creationTime: number;
  /** seconds; 0 = never expires */
  creationTtl: number;
  explicitMaxTtl: number;
  renewable: boolean;
  /** epoch ms; null = never */
  expiresAt: number | null;
  /** epoch ms past which no renewal reaches (explicit max TTL or the mount's max TTL); null = none */
  maxExpiresAt: number | null;
}

export interface LeaseEntry {
  id: string;
  /** the token whose revocation revokes this lease too */
  token: string;
  issuedAt: number;
  expiresAt: number;
  renewable: boolean;
  data: Record<string, unknown>;
}

export type NewToken = Partial<Omit<TokenEntry, 'id' | 'accessor' | 'creationTime' | 'expiresAt' | 'maxExpiresAt'>> & { maxTtl?: number };

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export function randomId(n: number): string {
  return [...randomBytes(n)].map((b) => BASE62[b % 62]).join('');
}

// Vault's built-in `default` policy lets any token look itself up and renew and revoke itself.
const DEFAULT_POLICY = ['auth/token/lookup-self', 'auth/token/renew-self', 'auth/token/revoke-self'];

export class VaultState {
  readonly now: () => number;
  readonly namespace: string;
  /** policy name → the paths it allows (exact, or a prefix ending in `*`), all capabilities */
  readonly acl: Record<string, string[]>;
  readonly maxLeaseTtl: number;
  readonly tokens = new Map<string, TokenEntry>();
  readonly leases = new Map<string, LeaseEntry>();
  private readonly accessors = new Map<string, string>();

  constructor(opts: { now: () => number; namespace: string; acl: Record<string, string[]>; maxLeaseTtl: number }) {
    this.now = opts.now;
    this.namespace = opts.namespace;
    this.acl = { default: DEFAULT_POLICY, ...opts.acl };
    this.maxLeaseTtl = opts.maxLeaseTtl;
  }

  createToken(t: NewToken): TokenEntry {
    const now = this.now();
    const ttl = t.creationTtl ?? 0;
    const max = [t.explicitMaxTtl ?? 0, t.maxTtl ?? 0].filter((x) => x > 0);
    const type = t.type ?? 'service';
    const entry: TokenEntry = {
      id: `${type === 'batch' ? 'hvb' : 'hvs'}.${randomId(type === 'batch' ? 90 : 24)}`,
      accessor: type === 'batch' ? '' : randomId(24),
      policies: t.policies ?? ['default'],
      identityPolicies: t.identityPolicies ?? [],
      meta: t.meta ?? {},
      displayName: t.displayName ?? 'token',
      path: t.path ?? 'auth/token/create',
      namespace: t.namespace ?? this.namespace,
      parent: t.parent ?? null,
      type,
      creationTime: now,
      creationTtl: ttl,
      explicitMaxTtl: t.explicitMaxTtl ?? 0,
      renewable: type === 'service' && (t.renewable ?? true) && ttl > 0,
      expiresAt: ttl > 0 ? now + ttl * 1000 : null,
      maxExpiresAt: max.length ? now + Math.min(...max) * 1000 : null,
    };
    this.tokens.set(entry.id, entry);
    if (entry.accessor) this.accessors.set(entry.accessor, entry.id);
    return entry;
  }

  /** A live token, or null (unknown, revoked or expired: expired ones are revoked here, as Vault's expiration manager would). */
  lookup(id: string): TokenEntry | null {
    const t = this.tokens.get(id);
    if (!t) return null;
    if (t.expiresAt !== null && t.expiresAt <= this.now()) {
      this.revokeTree(id);
      return null;
    }
    return t;
  }

  byAccessor(accessor: string): TokenEntry | null {
    const id = this.accessors.get(accessor);
    return id ? this.lookup(id) : null;
  }

  /** Revokes a token, its children (recursively) and every lease it created. */
  revokeTree(id: string): void {
    const t = this.tokens.get(id);
    if (!t) return;
    this.tokens.delete(id);
    if (t.accessor) this.accessors.delete(t.accessor);
    for (const [leaseId, l] of this.leases) if (l.token === id) this.leases.delete(leaseId);
    for (const child of [...this.tokens.values()]) if (child.parent === id) this.revokeTree(child.id);
  }

  /** Extends a token by its own TTL (or `increment`), never past its max; null when it cannot be renewed. */
  renew(t: TokenEntry, increment: number): { ttl: number; capped: boolean } | null {
    if (!t.renewable) return null;
    const now = this.now();
    const wanted = increment > 0 ? increment : t.creationTtl;
    const room = t.maxExpiresAt === null ? wanted : Math.max(0, Math.floor((t.maxExpiresAt - now) / 1000));
    const ttl = Math.min(wanted, room);
    t.expiresAt = now + ttl * 1000;
    return { ttl, capped: ttl < wanted };
  }

  ttlOf(t: { expiresAt: number | null }): number {
    return t.expiresAt === null ? 0 : Math.max(0, Math.floor((t.expiresAt - this.now()) / 1000));
  }

  addLease(path: string, token: TokenEntry, ttl: number, data: Record<string, unknown>): LeaseEntry {
    const now = this.now();
    const lease: LeaseEntry = { id: `${path}/${randomUUID()}`, token: token.id, issuedAt: now, expiresAt: now + ttl * 1000, renewable: true, data };
    this.leases.set(lease.id, lease);
    return lease;
  }

  /** A live lease, or null (expired leases are revoked here). */
  lease(id: string): LeaseEntry | null {
    const l = this.leases.get(id);
    if (l && l.expiresAt <= this.now()) this.leases.delete(id);
    return l && l.expiresAt > this.now() ? l : null;
  }

  /** Minimal ACL: root may do anything; otherwise one of the token's policies must list the path. */
  allows(t: TokenEntry, path: string): boolean {
    const policies = [...t.policies, ...t.identityPolicies];
    if (policies.includes('root')) return true;
    return policies.some((p) => (this.acl[p] ?? []).some((pattern) => (pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern)));
  }
}
