import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import type { Deps } from '../../deps.ts';
import { jsonRpc, oauthError, setError } from '../../schemas/responses.ts';
import { operations, type Caller, type Operation } from './operations.ts';

const STATUS_TEXT: Record<number, string> = {
  400: 'bad request (RFC 6749 §5.2 error)',
  401: 'not authenticated',
  403: 'refused: policy, a block, an operator\'s freeze, or not entitled',
  404: 'not found',
  409: 'conflict',
  405: 'method not allowed',
  413: 'body or token too large',
  415: 'unsupported content type',
  429: 'quota exceeded (Retry-After)',
  500: 'internal error (nothing more is said)',
  503: 'store, policy or upstream unavailable: nothing was issued',
};

const SECURITY: Record<Exclude<Caller, 'anyone'>, { description: string }> = {
  admin: { description: 'a JWT of an issuer of kind admin, or a bootstrap admin key (tgk_…)' },
  approver: { description: "a person's identity token (an issuer of kind human)" },
  agent: { description: "the agent's workload token (JWT-SVID or OIDC), or one of its Tollgate grant tokens" },
  gateway: { description: 'a JWT of an issuer of kind gateway, or a gateway key (tgw_…)' },
  workload: { description: 'a workload token listed in server.introspection_callers' },
  signals: { description: 'none beside the request: the Security Event Token is signed by a trusted transmitter' },
};

const documents = new WeakMap<Deps, object>();

/**
 * The operation's own errors, and those every request may meet: a body over its limit (413) or of
 * another type (415) where there is a body, the per-address quota (429), an internal error (500).
 */
function errorStatuses(op: Operation): number[] {
  const all = new Set([...op.errors, ...(op.body ? [413, 415] : []), 429, 500]);
  for (const s of [op.ok.status, ...(op.also ?? []).map((a) => a.status)]) all.delete(s);
  return [...all].sort((a, b) => a - b);
}

/**
 * The OpenAPI 3.1 document of the HTTP interface, built (zod-openapi) from the schemas the routes
 * validate requests with and the shapes they answer (operations.ts). Built once per app: it
 * carries this server's limits (token sizes, intent and task id lengths) and issuer.
 */
export function openApiDocument(deps: Deps): object {
  const hit = documents.get(deps);
  if (hit) return hit;
  const paths: ZodOpenApiPathsObject = {};
  for (const op of operations(deps)) {
    const o: ZodOpenApiOperationObject = {
      operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      security: op.callers.includes('anyone') ? [] : op.callers.map((c) => ({ [c]: [] })),
      ...(op.query || op.params ? { requestParams: { ...(op.query ? { query: op.query as never } : {}), ...(op.params ? { path: op.params as never } : {}) } } : {}),
      ...(op.body ? { requestBody: { required: true, content: { [op.body.type]: { schema: op.body.schema } } } } : {}),
      responses: {
        [String(op.ok.status)]: { description: op.ok.description, ...(op.ok.type ? { content: { [op.ok.type]: { schema: op.ok.schema! } } } : {}) },
        ...Object.fromEntries((op.also ?? []).map((a) => [String(a.status), { description: a.description, content: { 'application/json': { schema: a.schema } } }])),
        ...Object.fromEntries(
          errorStatuses(op).map((s) => [String(s), { description: STATUS_TEXT[s] ?? 'error', content: { 'application/json': { schema: op.rpcErrors ? jsonRpc : op.setErrors && s === 400 ? setError : oauthError } } }]),
        ),
      },
    };
    (paths[op.path] ??= {})[op.method] = o;
  }
  const doc = createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Tollgate',
      version: '0.1.0',
      description: 'Just-in-time credential broker for AI agents. OAuth endpoints take form-encoded requests and answer RFC 6749 §5.2 errors; Tollgate\'s own endpoints take and answer JSON.',
    },
    servers: [{ url: deps.config.server.issuer }],
    paths,
    components: { securitySchemes: Object.fromEntries(Object.entries(SECURITY).map(([k, v]) => [k, { type: 'http', scheme: 'bearer', description: v.description }])) },
  });
  documents.set(deps, doc);
  return doc;
}
