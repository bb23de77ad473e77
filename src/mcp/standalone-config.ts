import { z } from 'zod';
import { mcpServerSchema } from '../config/mcp-schema.ts';

/**
 * `tollgate mcp-gateway --config FILE`: the MCP gateway run apart from Tollgate. The servers are
 * the same catalog entries as Tollgate's `mcp.servers`; Tollgate's own config must list each
 * with `url` set to this gateway's canonical URI for it (`{public_url}/mcp/{name}`), so its token
 * endpoint mints grant tokens for exactly that audience.
 */
export const standaloneGatewaySchema = z
  .object({
    gateway: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.coerce.number().int().min(0).max(65535).default(8790),
        /** the base of this gateway's canonical URIs, as clients reach it */
        public_url: z.string().url(),
        max_body_bytes: z.number().int().min(1024).max(1_048_576).default(65_536),
      })
      .strict(),
    tollgate: z
      .object({
        url: z.string().url(),
        /** the `iss` of Tollgate's grant tokens (default: url) */
        issuer: z.string().url().optional(),
        /** this gateway's credential at Tollgate: a `tgw_` key (from ${ENV}) */
        credential: z.string().min(8),
      })
      .strict(),
    servers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/), mcpServerSchema).refine((s) => Object.keys(s).length > 0, { message: 'name at least one server' }),
  })
  .strict();

export type StandaloneGatewayConfig = z.output<typeof standaloneGatewaySchema>;

/** The canonical URI of server `name` behind this gateway. */
export function standaloneUri(c: StandaloneGatewayConfig, name: string): string {
  return c.servers[name]?.url ?? `${c.gateway.public_url.replace(/\/+$/, '')}/mcp/${name}`;
}
