import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { McpServerConfig } from '../config/mcp-schema.ts';
import { BodyTooLarge, readBoundedText } from '../lib/read-bounded.ts';
import { ApprovalMemory } from './approval-memory.ts';
import type { CallAuthority, InboundGrant } from './call-authority.ts';
import { callTarget } from './call-target.ts';
import { classify } from './catalog.ts';
import { gatewayServer } from './gateway-server.ts';
import { printable, type GatewayCore } from './guarded-call.ts';
import { JsonRpcRefused, parseMcpMessage, type McpMessage } from './jsonrpc-guard.ts';
import { challenge, protectedResourceMetadata, scopeFor, serverScopes } from './protected-resource.ts';
import type { Upstreams } from './upstream.ts';
import type { ActionClass } from '../model/action-class.ts';

export interface McpGatewayOptions {
  servers: Readonly<Record<string, McpServerConfig>>;
  /** each server's canonical URI (the grant token's `aud`) */
  uriOf: (name: string) => string;
  authority: CallAuthority;
  upstreams: Upstreams;
  now: () => number;
  maxBodyBytes: number;
}

export interface McpGateway {
  /** one Streamable HTTP request to `/mcp/{name}` */
  handle(req: Request, name: string, requestId: string): Promise<Response>;
  /** RFC 9728 metadata of server `name`, or null when there is none */
  metadata(name: string): Record<string, unknown> | null;
  close(): Promise<void>;
}

/**
 * The MCP gateway as an OAuth protected resource (MCP authorization, RFC 9728, RFC 6750): every
 * request carries a Tollgate grant token issued for this server's canonical URI; anything else is
 * 401 with a challenge that leads the client to the metadata. The token stays here: upstreams get
 * only the per-call credential. Runs on Web APIs alone, so Node and Workers serve it alike.
 */
export function mcpGateway(opts: McpGatewayOptions): McpGateway {
  const core: GatewayCore = { authority: opts.authority, upstreams: opts.upstreams, approvals: new ApprovalMemory(), now: opts.now };
  const serverOf = (name: string) => (Object.hasOwn(opts.servers, name) ? opts.servers[name]! : null);

  return {
    metadata(name) {
      const s = serverOf(name);
      return s ? protectedResourceMetadata(s, opts.uriOf(name), opts.authority.issuer, name) : null;
    },
    async handle(req, name, requestId) {
      const server = serverOf(name);
      if (!server) return json(404, { error: 'not_found', error_description: 'no such MCP server' });
      const uri = opts.uriOf(name);
      const unauthorized = (error: 'invalid_token' | null, description: string) =>
        json(401, { error: error ?? 'invalid_request', error_description: description }, { 'www-authenticate': challenge(uri, serverScopes(server).join(' '), error, description) });

      // MCP (Streamable HTTP): servers MUST validate Origin against DNS rebinding. A browser page
      // of another origin never reaches the gateway, token or not; clients that are not browsers send none.
      const origin = req.headers.get('origin');
      if (origin !== null && origin !== new URL(uri).origin) return json(403, { error: 'forbidden', error_description: 'requests from this origin are not accepted' });
      const token = bearer(req);
      if (token === undefined) return unauthorized(null, 'a Tollgate grant token for this MCP server is required');
      if (token === null) return unauthorized('invalid_token', 'malformed Authorization header');
      const grant = await opts.authority.verify(token);
      if (!grant) return unauthorized('invalid_token', 'the token is not a valid Tollgate grant token');
      // RFC 8707 / MCP: a token minted for another resource is never accepted here.
      if (grant.audience !== uri) return unauthorized('invalid_token', 'the token was not issued for this MCP server');
      if (req.method !== 'POST') return json(405, { error: 'method_not_allowed', error_description: 'this gateway is stateless: POST only' }, { allow: 'POST' });

      let message: McpMessage;
      try {
        message = parseMcpMessage(await readBoundedText(req, opts.maxBodyBytes), req.headers);
      } catch (e) {
        if (e instanceof JsonRpcRefused) return e.toResponse();
        if (e instanceof BodyTooLarge) return json(413, { jsonrpc: '2.0', id: null, error: { code: -32600, message: `request body exceeds ${opts.maxBodyBytes} bytes` } });
        if (e instanceof TypeError) return new JsonRpcRefused(-32700, 'Parse error: the body is not UTF-8').toResponse();
        throw e;
      }
      // Revoked, its task completed, expired: the token is no longer good here (401, RFC 6750),
      // whatever its signature says, and whatever runs upstream for the grant stops now.
      if (!(await opts.authority.alive(grant))) {
        await opts.upstreams.endGrant(grant.grantId);
        const call = callOf(server, message);
        if (call) await opts.authority.refuse(grant, { server: name, action: call.action, resource: server.resource, tool: call.tool, argumentsDigest: null, reason: 'invalid_grant: the grant is no longer honoured' }, requestId);
        return unauthorized('invalid_token', 'the grant behind this token is no longer honoured (revoked, task completed or expired)');
      }
      const outOfScope = await scopeCheck(core, name, server, grant, message, requestId);
      if (outOfScope) {
        return json(403, { error: 'insufficient_scope', error_description: `this call needs ${outOfScope}` }, {
          'www-authenticate': challenge(uri, outOfScope, 'insufficient_scope', `this call needs ${outOfScope}`),
        });
      }

      const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      const mcp = gatewayServer(core, { name, server, grant, requestId });
      await mcp.connect(transport);
      try {
        return await transport.handleRequest(req, { parsedBody: message.raw, authInfo: { token: '[held by the gateway]', clientId: grant.agent, scopes: grant.scope.split(' '), expiresAt: Math.floor(grant.expiresAt / 1000) } });
      } finally {
        await mcp.close().catch(() => undefined);
      }
    },
    close: () => opts.upstreams.close(),
  };
}

/**
 * MCP / RFC 6750 §3.1: a classified call whose action class the grant does not hold is 403
 * insufficient_scope naming the scope it needs (a client may step up). Audited like any call.
 */
async function scopeCheck(core: GatewayCore, name: string, server: McpServerConfig, grant: InboundGrant, m: McpMessage, requestId: string): Promise<string | null> {
  const call = callOf(server, m);
  if (!call) return null;
  const needed = scopeFor(server, call.action);
  if (grant.scope.split(' ').includes(needed)) return null;
  await core.authority.refuse(grant, { server: name, action: call.action, resource: server.resource, tool: call.tool, argumentsDigest: null, reason: `insufficient_scope: needs ${needed}` }, requestId);
  return needed;
}

/** The classified call a message is, if it is one: its action class and its audit name. */
function callOf(server: McpServerConfig, m: McpMessage): { action: ActionClass; tool: string } | null {
  const target = m.kind === 'request' ? callTarget(m.method, m.params) : null;
  const c = target && classify(server, target.kind, target.name);
  return c ? { action: c.action, tool: `${target.method}:${printable(target.name)}` } : null;
}

/** The bearer token; undefined when there is none, null when the header is malformed. */
function bearer(req: Request): string | null | undefined {
  const h = req.headers.get('authorization');
  if (h === null) return undefined;
  const m = /^Bearer ([\x21-\x7e]{1,16384})$/.exec(h);
  return m ? m[1]! : null;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } });
}
