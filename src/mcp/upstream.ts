import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CREDENTIAL_PLACEHOLDER, type McpServerConfig } from '../config/mcp-schema.ts';
import type { ActionClass } from '../model/action-class.ts';
import type { InboundGrant } from './call-authority.ts';

/** One call's way to the upstream: which server, under which grant and action, with which credential. */
export interface UpstreamTarget {
  name: string;
  server: McpServerConfig;
  grant: InboundGrant;
  action: ActionClass;
  /** the per-call credential Tollgate served; never the agent's grant token */
  credential: string;
}

/**
 * Connects the gateway to upstream MCP servers with an SDK Client. Each transport (Streamable
 * HTTP, stdio, in-process) has its own connector; `connect` answers a connected client for the
 * target (reused while the credential is the same), `endGrant` stops whatever runs for a grant.
 */
export interface UpstreamConnector {
  handles(server: McpServerConfig): boolean;
  connect(target: UpstreamTarget): Promise<Client>;
  /** forget a client that failed, so the next call connects afresh */
  drop(target: UpstreamTarget): void;
  endGrant?(grantId: string): Promise<void>;
  close(): Promise<void>;
}

/** `{credential}` replaced in each template value; the templates come from config, the credential from Tollgate. */
export function render(templates: Record<string, string>, credential: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, t] of Object.entries(templates)) out[k] = t.split(CREDENTIAL_PLACEHOLDER).join(credential);
  return out;
}

/** Picks the connector for each server's transport; a server no connector handles is refused at call time. */
export class Upstreams {
  readonly #connectors: UpstreamConnector[];
  constructor(connectors: UpstreamConnector[]) {
    this.#connectors = connectors;
  }

  for(server: McpServerConfig): UpstreamConnector | null {
    return this.#connectors.find((c) => c.handles(server)) ?? null;
  }

  async endGrant(grantId: string): Promise<void> {
    await Promise.all(this.#connectors.map((c) => c.endGrant?.(grantId)));
  }

  async close(): Promise<void> {
    await Promise.all(this.#connectors.map((c) => c.close()));
  }
}
