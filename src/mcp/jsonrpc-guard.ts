/**
 * Strict JSON-RPC 2.0 for what reaches the gateway, before the SDK sees it: one message per
 * POST (batches left MCP in 2025-06-18), only the members JSON-RPC defines, and the routing
 * headers (`Mcp-Method`, `Mcp-Name`), when the client sends them, equal to the body — an
 * intermediary that routes or authorises on the headers must never see a different call than the
 * server runs.
 */

export type McpMessage =
  | { kind: 'request'; id: string | number; method: string; params: Record<string, unknown> | undefined; raw: Record<string, unknown> }
  | { kind: 'notification'; method: string; params: Record<string, unknown> | undefined; raw: Record<string, unknown> }
  | { kind: 'response'; id: string | number; raw: Record<string, unknown> };

export class JsonRpcRefused extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = 'JsonRpcRefused';
    this.code = code;
  }

  /** The JSON-RPC error answer, as HTTP 400. */
  toResponse(): Response {
    return new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: this.code, message: this.message } }), {
      status: 400,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  }
}

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const MAX_METHOD = 128;
const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const RESPONSE_KEYS = new Set(['jsonrpc', 'id', 'result', 'error']);

/** Methods whose `Mcp-Name` is the name of what they act on, and where in params it is. */
const NAMED: Record<string, 'name' | 'uri'> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'resources/subscribe': 'uri',
  'resources/unsubscribe': 'uri',
};

export function parseMcpMessage(text: string, headers: Headers): McpMessage {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new JsonRpcRefused(PARSE_ERROR, 'Parse error: the body is not JSON');
  }
  if (Array.isArray(v)) throw new JsonRpcRefused(INVALID_REQUEST, 'Invalid Request: send one JSON-RPC message per request, not a batch');
  if (typeof v !== 'object' || v === null) throw new JsonRpcRefused(INVALID_REQUEST, 'Invalid Request: not a JSON-RPC object');
  const o = v as Record<string, unknown>;
  if (o.jsonrpc !== '2.0') throw new JsonRpcRefused(INVALID_REQUEST, 'Invalid Request: jsonrpc must be "2.0"');
  const message = 'method' in o ? request(o) : response(o);
  checkHeaders(message, headers);
  return message;
}

function request(o: Record<string, unknown>): McpMessage {
  for (const k of Object.keys(o)) if (!REQUEST_KEYS.has(k)) throw new JsonRpcRefused(INVALID_REQUEST, 'Invalid Request: unknown member in a request');
  const method = o.method;
  if (typeof method !== 'string' || method === '' || method.length > MAX_METHOD) throw new JsonRpcRefused(INVALID_REQUEST, 'Invalid Request: method must be a short string');
  const params = o.params;
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params)))
    throw new JsonRpcRefused(INVALID_REQUEST, 'Invalid Request: params must be an object');
  const p = params as Record<string, unknown> | undefined;
  if (!('id' in o)) return { kind: 'notification', method, params: p, raw: o };
  return { kind: 'request', id: checkId(o.id), method, params: p, raw: o };
}

function response(o: Record<string, unknown>): McpMessage {
  for (const k of Object.keys(o)) if (!RESPONSE_KEYS.has(k)) throw new JsonRpcRefused(INVALID_REQUEST, 'Invalid Request: unknown member in a response');
  if (('result' in o) === ('error' in o)) throw new JsonRpcRefused(INVALID_REQUEST, 'Invalid Request: a response has exactly one of result and error');
  return { kind: 'response', id: checkId(o.id), raw: o };
}

// MCP: a request id is a string or an integer, never null.
function checkId(id: unknown): string | number {
  if (typeof id === 'string' && id.length > 0 && id.length <= 256) return id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
  throw new JsonRpcRefused(INVALID_REQUEST, 'Invalid Request: id must be a string or an integer');
}

function checkHeaders(m: McpMessage, headers: Headers): void {
  const method = headers.get('mcp-method');
  const name = headers.get('mcp-name');
  const bodyMethod = m.kind === 'response' ? null : m.method;
  if (method !== null && method !== bodyMethod) throw new JsonRpcRefused(INVALID_REQUEST, 'Invalid Request: the Mcp-Method header does not match the body');
  if (name === null) return;
  const where = bodyMethod ? NAMED[bodyMethod] : undefined;
  const bodyName = where && m.kind !== 'response' ? m.params?.[where] : undefined;
  if (typeof bodyName !== 'string' || name !== bodyName) throw new JsonRpcRefused(INVALID_REQUEST, 'Invalid Request: the Mcp-Name header does not match the body');
}
