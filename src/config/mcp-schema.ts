import { z } from 'zod';
import { ACTION_CLASSES } from '../model/action-class.ts';

/**
 * The MCP tool catalog: per upstream MCP server, how to reach it, which Tollgate resource its
 * grants are for, how the per-call credential is injected, and the action class and
 * classification of every tool, resource and prompt. Anything not listed is unclassified and
 * denied: a new tool an upstream starts offering stays invisible until someone classifies it.
 */

/** `{credential}` in a header or env template is replaced by the per-call credential. */
export const CREDENTIAL_PLACEHOLDER = '{credential}';

const template = z
  .string()
  .min(1)
  .max(1024)
  .refine((t) => t.includes(CREDENTIAL_PLACEHOLDER), { message: `a template must contain ${CREDENTIAL_PLACEHOLDER}` });

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'an HTTP header name');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'an environment variable name');

const classified = z
  .object({
    action: z.enum(ACTION_CLASSES),
    /** what policy sees as the resource's classification for this call (default: the resource's) */
    classification: z.string().min(1).max(64).optional(),
  })
  .strict();

const httpUpstream = z
  .object({
    /** the upstream's Streamable HTTP endpoint */
    url: z.string().url(),
    /** header name → template; the credential goes only here, never the agent's token */
    headers: z.record(headerName, template).default({}),
  })
  .strict();

const stdioUpstream = z
  .object({
    command: z.string().min(1).max(1024),
    args: z.array(z.string().max(4096)).max(64).default([]),
    cwd: z.string().optional(),
    /** variable → template; started once per grant and action with that credential, stopped when the grant ends */
    env: z.record(envName, template).default({}),
  })
  .strict();

/** A demo upstream served in process (dev mode, tests, Workers): no network, no credential check of its own. */
const builtinUpstream = z.object({ builtin: z.enum(['demo']) }).strict();

export const mcpServerSchema = z
  .object({
    /** the catalog resource whose grants open this server (its provider mints the upstream credential) */
    resource: z.string().min(1).max(256),
    /**
     * The canonical URI of this MCP server (RFC 8707 resource, RFC 9728 `resource`): the `aud` of
     * its grant tokens. Default `{server.issuer}/mcp/{name}`; set it when the gateway runs apart.
     */
    url: z.string().url().optional(),
    upstream: z.union([httpUpstream, stdioUpstream, builtinUpstream]),
    tools: z.record(z.string().min(1).max(128), classified).default({}),
    /** resource URI (exact, or a prefix ending in `*`) → class */
    resources: z.record(z.string().min(1).max(1024), classified).default({}),
    prompts: z.record(z.string().min(1).max(128), classified).default({}),
  })
  .strict();

export const mcpSection = z
  .object({
    servers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'server names are lower-case words'), mcpServerSchema).default({}),
  })
  .strict()
  .prefault({});

export type McpServerConfig = z.output<typeof mcpServerSchema>;
export type McpSection = z.output<typeof mcpSection>;
export type Classified = z.output<typeof classified>;
