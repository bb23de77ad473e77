import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  CompleteRequestSchema,
  CompleteResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  GetPromptResultSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  ReadResourceResultSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { APPROVAL_ID } from '../approvals/approval.ts';
import { callTarget } from './call-target.ts';
import { exposed } from './exposure.ts';
import { relayOnlyValidator } from './relay-validator.ts';
import { guardedCall, type CallScope, type GatewayCore, type Refusal } from './guarded-call.ts';

/** `_meta` keys the gateway adds to a refusal, and reads from a retry. */
export const META = { approvalId: 'io.tollgate/approval_id', approvalUrl: 'io.tollgate/approval_url', code: 'io.tollgate/code' } as const;

/**
 * The MCP server the agent talks to, built with the SDK for one HTTP request (stateless
 * Streamable HTTP: the token is checked on every request, so no session outlives a revocation).
 * Lists show only what the grant and current policy permit; calls go through guardedCall.
 */
export function gatewayServer(core: GatewayCore, scope: CallScope): Server {
  const { server: cfg } = scope;
  const capabilities: Record<string, object> = { tools: {} };
  if (Object.keys(cfg.resources).length > 0) capabilities.resources = {};
  if (Object.keys(cfg.prompts).length > 0) capabilities.prompts = {};
  if (capabilities.resources || capabilities.prompts) capabilities.completions = {};
  const server = new Server(
    { name: `tollgate-gateway/${scope.name}`, version: '1.0.0' },
    {
      capabilities,
      jsonSchemaValidator: relayOnlyValidator,
      instructions: 'Tools are offered and decided by Tollgate per call; a call that needs a human answers with an approval id and URL: call again with the same arguments once it is approved.',
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await exposed(core, scope, 'tool') }));
  server.setRequestHandler(CallToolRequestSchema, async (req): Promise<CallToolResult> => {
    const { name, arguments: args } = req.params;
    const r = await guardedCall(core, scope, { method: 'tools/call', kind: 'tool', name }, args ?? {}, clientApproval(req.params._meta), (c: Client) =>
      c.request({ method: 'tools/call', params: { name, arguments: args ?? {} } }, CallToolResultSchema),
    );
    if (r.ok) return r.value as CallToolResult;
    return toolError(r.refusal);
  });

  if (capabilities.resources) {
    server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: await exposed(core, scope, 'resource') }));
    server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
      const { uri } = req.params;
      const r = await guardedCall(core, scope, { method: 'resources/read', kind: 'resource', name: uri }, { uri }, clientApproval(req.params._meta), (c) => c.request({ method: 'resources/read', params: { uri } }, ReadResourceResultSchema));
      if (r.ok) return r.value;
      throw protocolError(r.refusal);
    });
  }
  if (capabilities.prompts) {
    server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: await exposed(core, scope, 'prompt') }));
    server.setRequestHandler(GetPromptRequestSchema, async (req) => {
      const { name, arguments: args } = req.params;
      const r = await guardedCall(core, scope, { method: 'prompts/get', kind: 'prompt', name }, args ?? {}, clientApproval(req.params._meta), (c) =>
        c.request({ method: 'prompts/get', params: { name, arguments: args ?? {} } }, GetPromptResultSchema),
      );
      if (r.ok) return r.value;
      throw protocolError(r.refusal);
    });
  }
  if (capabilities.completions) {
    // Completing an argument of a prompt or resource template is decided as that prompt or resource.
    server.setRequestHandler(CompleteRequestSchema, async (req) => {
      const target = callTarget('completion/complete', req.params);
      if (!target) throw new McpError(ErrorCode.InvalidParams, 'completion/complete needs a ref/prompt or ref/resource');
      const { ref, argument, context } = req.params;
      const params = { ref, argument, ...(context ? { context } : {}) };
      const r = await guardedCall(core, scope, target, params, clientApproval(req.params._meta), (c) => c.request({ method: 'completion/complete', params }, CompleteResultSchema));
      if (r.ok) return r.value;
      throw protocolError(r.refusal);
    });
  }
  return server;
}

/** A refused tool call is a tool result with isError (MCP: errors the model should see and act on). */
function toolError(r: Refusal): CallToolResult {
  const meta: Record<string, string> = { [META.code]: r.code };
  if (r.approvalId) meta[META.approvalId] = r.approvalId;
  if (r.approvalUrl) meta[META.approvalUrl] = r.approvalUrl;
  return { isError: true, content: [{ type: 'text', text: r.message }], _meta: meta };
}

/** Resources and prompts have no error result: a refusal is a JSON-RPC error with the same data. */
function protocolError(r: Refusal): McpError {
  return new McpError(ErrorCode.InvalidRequest, r.message, { code: r.code, ...(r.approvalId ? { approval_id: r.approvalId, approval_url: r.approvalUrl } : {}) });
}

function clientApproval(meta: unknown): string | null {
  const v = meta && typeof meta === 'object' ? (meta as Record<string, unknown>)[META.approvalId] : undefined;
  return typeof v === 'string' && APPROVAL_ID.test(v) ? v : null;
}
