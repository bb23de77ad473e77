import type { Config, ResourceConfig } from './config/schema.ts';
import type { AgentRegistry } from './grants/agent-registry.ts';
import type { TrustRegistry } from './identity/trust-registry.ts';
import type { Keyring } from './keys/keyring.ts';
import type { Logger } from './log.ts';
import type { PolicyEngine } from './policy/engine.ts';
import type { Provider } from '../providers/provider.ts';
import type { Store } from './store/store.ts';
import type { UpstreamConnector } from './mcp/upstream.ts';
import type { InboundGrant } from './mcp/call-authority.ts';
import type { Quotas } from './quotas/quotas.ts';
import type { AuditArchive } from './audit/archive.ts';

/** Everything the core needs, injected: the same core runs on Node and Workers with different edges. */
export interface Deps {
  config: Config;
  store: Store;
  trust: TrustRegistry;
  policy: PolicyEngine;
  keyring: Keyring;
  providers: ReadonlyMap<string, Provider>;
  /** mints the grant tokens that are every grant's default handle */
  grantTokens: Provider;
  resources: ReadonlyMap<string, ResourceConfig>;
  agents: AgentRegistry;
  /** per-identity quotas (in memory on this node or isolate) */
  quotas: Quotas;
  /**
   * The client's network address for quotas on unauthenticated requests, from what the edge knows
   * (Node: the socket; Workers: cf-connecting-ip). Absent or null: no address quota applies.
   */
  clientAddress?: (req: Request, env: unknown) => string | null;
  now: () => number;
  log: Logger;
  /**
   * Keeps work that outlives its request (a mass revocation's batches) running: on Workers,
   * ctx.waitUntil; absent on Node, where a promise runs to its end anyway.
   */
  background?: (work: Promise<unknown>) => void;
  /**
   * MCP upstream transports only an edge can offer (stdio processes on Node), given how to ask
   * whether a grant is still honoured. Streamable HTTP and the in-process demo are always there.
   */
  mcpConnectors?: (alive: (grant: InboundGrant) => Promise<boolean>) => UpstreamConnector[];
  /** SHA-256 hex, synchronous where the edge has one (Node); verifying the audit chain uses it. Default: Web Crypto. */
  sha256?: (text: string) => string;
  /** the store's files on disk, where it has them (SQLite on Node), for /metrics */
  storeFiles?: () => { database_bytes: number; wal_bytes: number };
  /** where audit retention exports segments, when the edge runs it itself (Workers: an R2 bucket) */
  auditArchive?: AuditArchive;
  /** fetch for MCP upstreams (tests inject an app's fetch); default: the global one */
  mcpFetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
}
