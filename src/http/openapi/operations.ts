import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { evaluationSchema, evaluationsSchema } from '../../authzen/request.ts';
import { approvalAnswerBody, approvalListQuery, approvalWaitQuery } from '../../schemas/approvals.ts';
import { auditQuery, auditVerifyQuery } from '../../schemas/audit.ts';
import { liftBlockQuery } from '../../schemas/blocks.ts';
import { credentialBody } from '../../schemas/credentials.ts';
import { freezeBody, liftFreezeQuery } from '../../schemas/freeze.ts';
import { grantListQuery } from '../../schemas/grants.ts';
import { receiptsQuery, revocationBody, revocationListQuery } from '../../schemas/revocations.ts';
import { riskBody, riskQuery } from '../../schemas/risk.ts';
import { taskPath } from '../../schemas/tasks.ts';
import { introspectForm, revokeForm, tokenForm } from '../../schemas/token.ts';
import * as r from '../../schemas/responses.ts';
import { mcpServersHere } from '../routes/mcp.ts';

/** Who authenticates, by the security schemes of the document (document.ts). */
export type Caller = 'admin' | 'approver' | 'agent' | 'gateway' | 'workload' | 'signals' | 'anyone';

export interface Operation {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI form: `{id}` */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  callers: Caller[];
  query?: z.ZodType;
  params?: z.ZodType;
  body?: { type: string; schema: z.ZodType };
  ok: { status: number; description: string; type: string; schema?: z.ZodType } | { status: number; description: string; type?: undefined };
  /** other answers with a shape of their own (a dry run's 200, a broken chain's 409, a 503 health report) */
  also?: { status: number; description: string; schema: z.ZodType }[];
  /** error statuses this operation answers, each with its error shape */
  errors: number[];
  /** 400 errors of RFC 8935 shape ({err, description}) instead of RFC 6749's */
  setErrors?: boolean;
  /** errors as JSON-RPC messages (the MCP gateway) */
  rpcErrors?: boolean;
}

const JSON_TYPE = 'application/json';
const FORM = 'application/x-www-form-urlencoded';
const id = (name: string, pattern?: RegExp) => z.object({ [name]: pattern ? z.string().regex(pattern) : z.string().min(1) });
const json = (schema: z.ZodType, description = 'OK', status = 200) => ({ status, description, type: JSON_TYPE, schema });

/**
 * Every operation of the HTTP interface, with the schemas its route validates requests with
 * (src/schemas, src/authzen/request.ts) and the shapes it answers. The OpenAPI document is
 * built from this list, and a test holds it to the routes the app registers.
 */
export function operations(deps: Deps): Operation[] {
  const limits = deps.config.server.limits;
  // What this app serves: the MCP gateway only with servers of its own, the console unless turned off.
  const mcp = Object.keys(mcpServersHere(deps)).length > 0;
  return all(limits).filter((op) => (mcp || op.tag !== 'MCP gateway') && (deps.config.console.enabled || op.tag !== 'Console'));
}

function all(limits: Deps['config']['server']['limits']): Operation[] {
  return [
    { method: 'get', path: '/.well-known/oauth-authorization-server', tag: 'OAuth', summary: 'RFC 8414 authorization server metadata', callers: ['anyone'], ok: json(r.metadata), errors: [] },
    { method: 'get', path: '/.well-known/jwks.json', tag: 'OAuth', summary: "Tollgate's public signing keys (RFC 7517), all published during rotation", callers: ['anyone'], ok: json(r.jwks), errors: [] },
    {
      method: 'post', path: '/oauth/token', tag: 'OAuth', summary: 'RFC 8693 token exchange, or the RFC 7523 JWT bearer grant',
      description: 'Errors: invalid_request, invalid_grant, invalid_target, invalid_scope, unauthorized_client, unsupported_grant_type, access_denied (403), authorization_pending (400 with approval_id), expired_token, temporarily_unavailable (503; 403 while an operator\'s freeze holds), slow_down (429).',
      callers: ['agent'], body: { type: FORM, schema: tokenForm(limits) }, ok: json(r.tokenResponse), errors: [400, 401, 403, 413, 429, 503],
    },
    { method: 'get', path: '/oauth/authorize', tag: 'OAuth', summary: 'no authorization endpoint: answers unsupported_response_type (listed because MCP clients require the field)', callers: ['anyone'], ok: json(r.oauthError, 'always refused: unsupported_response_type', 400), errors: [] },
    { method: 'post', path: '/oauth/authorize', tag: 'OAuth', summary: 'no authorization endpoint: answers unsupported_response_type', callers: ['anyone'], ok: json(r.oauthError, 'always refused: unsupported_response_type', 400), errors: [] },
    { method: 'post', path: '/oauth/revoke', tag: 'OAuth', summary: 'RFC 7009 revocation by the client the token was issued to (or a gateway, or an admin)', callers: ['agent', 'gateway', 'admin'], body: { type: FORM, schema: revokeForm }, ok: { status: 200, description: 'empty, whether or not the token was known' }, errors: [400, 401, 413] },
    { method: 'post', path: '/oauth/introspect', tag: 'OAuth', summary: 'RFC 7662 introspection of a Tollgate token', callers: ['admin', 'gateway', 'workload'], body: { type: FORM, schema: introspectForm }, ok: json(r.introspection), errors: [400, 401, 413] },
    { method: 'post', path: '/v1/credentials', tag: 'Gateways', summary: "per tool call: the agent's grant token and the call's action → a fresh decision and the upstream credential", callers: ['gateway'], body: { type: JSON_TYPE, schema: credentialBody(limits) }, ok: json(r.credentialResponse), errors: [400, 401, 403, 429, 503] },
    { method: 'post', path: '/access/v1/evaluation', tag: 'Gateways', summary: 'OpenID AuthZEN 1.0: one per-call decision', callers: ['gateway'], body: { type: JSON_TYPE, schema: evaluationSchema }, ok: json(r.authzenDecision), errors: [400, 401, 503] },
    { method: 'post', path: '/access/v1/evaluations', tag: 'Gateways', summary: 'OpenID AuthZEN 1.0: several decisions', callers: ['gateway'], body: { type: JSON_TYPE, schema: evaluationsSchema }, ok: json(r.authzenDecisions), errors: [400, 401, 503] },
    { method: 'get', path: '/.well-known/authzen-configuration', tag: 'Gateways', summary: 'AuthZEN PDP metadata', callers: ['anyone'], ok: json(r.metadata), errors: [] },
    { method: 'post', path: '/v1/tasks/{task_id}/complete', tag: 'Revocation', summary: "ends a task: revokes its grants (the agent's own, or all of them for an admin)", callers: ['agent', 'admin'], params: taskPath(limits), ok: json(r.taskCompleted), errors: [400, 401, 503] },
    { method: 'post', path: '/v1/revocations', tag: 'Revocation', summary: 'mass revocation by filter (`dry_run` counts first, `block` refuses new grants)', callers: ['admin'], body: { type: JSON_TYPE, schema: revocationBody }, ok: json(r.revocation, 'accepted: every grant named is dead on every path; its records are being written', 202), also: [{ status: 200, description: 'a dry run: how many live grants the filter matches', schema: r.dryRun }], errors: [400, 401, 503] },
    { method: 'get', path: '/v1/revocations', tag: 'Revocation', summary: 'the newest mass revocations', callers: ['admin'], query: revocationListQuery, ok: json(r.revocationList), errors: [400, 401] },
    { method: 'get', path: '/v1/revocations/{id}', tag: 'Revocation', summary: 'progress of a mass revocation, with receipt totals', callers: ['admin'], params: id('id'), ok: json(r.revocationWithTotals), errors: [401, 404] },
    { method: 'get', path: '/v1/revocations/{id}/receipts', tag: 'Revocation', summary: 'per-grant receipts of a mass revocation, paged', callers: ['admin'], params: id('id'), query: receiptsQuery, ok: json(r.receiptPage), errors: [400, 401, 404] },
    { method: 'get', path: '/v1/blocks', tag: 'Revocation', summary: 'blocks in force', callers: ['admin'], ok: json(r.blockList), errors: [401] },
    { method: 'delete', path: '/v1/blocks', tag: 'Revocation', summary: 'lift the blocks on one agent or principal', callers: ['admin'], query: liftBlockQuery, ok: json(r.blocksLifted), errors: [400, 401, 404] },
    { method: 'post', path: '/v1/freeze', tag: 'Emergency stop', summary: 'freeze: no new issuance and no per-call credential (everything, or a scope), on every node', callers: ['admin'], body: { type: JSON_TYPE, schema: freezeBody }, ok: json(r.freezeStarted, 'frozen', 201), errors: [400, 401, 503] },
    { method: 'get', path: '/v1/freeze', tag: 'Emergency stop', summary: 'the freezes in force', callers: ['admin'], ok: json(r.freezeStatus), errors: [401] },
    { method: 'delete', path: '/v1/freeze', tag: 'Emergency stop', summary: 'unfreeze: all, or the freeze `id` names', callers: ['admin'], query: liftFreezeQuery, ok: json(r.freezeLifted), errors: [400, 401, 404] },
    { method: 'get', path: '/v1/grants', tag: 'Inventory', summary: 'grants, newest first, with filters and paging', callers: ['admin'], query: grantListQuery, ok: json(r.grantPage), errors: [400, 401] },
    { method: 'get', path: '/v1/grants/{id}', tag: 'Inventory', summary: 'one grant', callers: ['admin'], params: id('id'), ok: json(r.grant), errors: [401, 404] },
    { method: 'get', path: '/v1/approvals', tag: 'Approvals', summary: 'requests waiting for a human: an approver sees what they may answer, the agent its own, admins all', callers: ['approver', 'agent', 'admin'], query: approvalListQuery, ok: json(r.approvalPage), errors: [400, 401] },
    { method: 'get', path: '/v1/approvals/{id}', tag: 'Approvals', summary: 'one request; `wait` long-polls for the decision', callers: ['approver', 'agent', 'admin'], params: id('id'), query: approvalWaitQuery, ok: json(r.approval), errors: [400, 401, 404] },
    { method: 'post', path: '/v1/approvals/{id}/approve', tag: 'Approvals', summary: 'approve, as an entitled human', callers: ['approver'], params: id('id'), body: { type: JSON_TYPE, schema: approvalAnswerBody }, ok: json(r.approval), errors: [400, 401, 403, 404, 409] },
    { method: 'post', path: '/v1/approvals/{id}/deny', tag: 'Approvals', summary: 'deny, as an entitled human', callers: ['approver'], params: id('id'), body: { type: JSON_TYPE, schema: approvalAnswerBody }, ok: json(r.approval), errors: [400, 401, 403, 404, 409] },
    { method: 'post', path: '/v1/signals', tag: 'Risk', summary: 'RFC 8935 push of one RFC 8417 Security Event Token (OpenID CAEP / RISC)', callers: ['signals'], body: { type: 'application/secevent+jwt', schema: z.string().meta({ description: 'a signed SET (compact JWS); its signature authenticates the transmitter' }) }, ok: { status: 202, description: 'accepted: every effect is recorded' }, errors: [400], setErrors: true },
    { method: 'get', path: '/v1/risk', tag: 'Risk', summary: 'the risk level in force for an agent or a principal', callers: ['admin'], query: riskQuery, ok: json(r.riskView), errors: [400, 401] },
    { method: 'post', path: '/v1/risk', tag: 'Risk', summary: 'set a risk level; grants policy no longer permits are revoked', callers: ['admin'], body: { type: JSON_TYPE, schema: riskBody }, ok: json(r.riskChanged), errors: [400, 401, 503] },
    { method: 'get', path: '/v1/audit', tag: 'Audit', summary: 'audit events after a sequence number, as JSON lines', callers: ['admin'], query: auditQuery, ok: { status: 200, description: 'one event per line', type: 'application/x-ndjson', schema: z.string() }, errors: [400, 401] },
    { method: 'get', path: '/v1/audit/verify', tag: 'Audit', summary: 'verify the hash chain (409 when broken)', callers: ['admin'], query: auditVerifyQuery, ok: json(r.chainReport), also: [{ status: 409, description: 'the chain is broken: what and where', schema: r.chainReport }], errors: [400, 401] },
    { method: 'get', path: '/healthz', tag: 'Operations', summary: 'readiness (as /healthz/ready)', callers: ['anyone'], ok: json(r.health), also: [{ status: 503, description: 'not ready: the store is unreachable or read-only', schema: r.health }], errors: [] },
    { method: 'get', path: '/healthz/ready', tag: 'Operations', summary: 'readiness: the store answers a read and takes a one-row write', callers: ['anyone'], ok: json(r.health), also: [{ status: 503, description: 'not ready: the store is unreachable or read-only', schema: r.health }], errors: [] },
    { method: 'get', path: '/healthz/live', tag: 'Operations', summary: 'liveness', callers: ['anyone'], ok: json(r.health), errors: [] },
    { method: 'get', path: '/metrics', tag: 'Operations', summary: 'Prometheus text format (admin credentials unless server.metrics_public)', callers: ['admin'], ok: { status: 200, description: 'metrics', type: 'text/plain', schema: z.string() }, errors: [401] },
    { method: 'post', path: '/mcp/{server}', tag: 'MCP gateway', summary: 'the MCP gateway (Streamable HTTP, stateless): an RFC 9728 protected resource in front of an upstream MCP server', callers: ['agent'], params: id('server'), body: { type: JSON_TYPE, schema: r.jsonRpc }, ok: json(r.jsonRpc), also: [{ status: 202, description: 'a notification or response accepted', schema: r.jsonRpc }], errors: [400, 401, 403, 404, 405], rpcErrors: true },
    { method: 'get', path: '/.well-known/oauth-protected-resource/mcp/{server}', tag: 'MCP gateway', summary: 'RFC 9728 metadata of an MCP server behind the gateway', callers: ['anyone'], params: id('server'), ok: json(r.metadata), errors: [404] },
    { method: 'get', path: '/console', tag: 'Console', summary: 'the console for people (HTML pages and forms, signed in with OpenID Connect); not an API', callers: ['anyone'], ok: { status: 303, description: 'to the approvals inbox, or to sign in' }, errors: [] },
    { method: 'get', path: '/openapi.json', tag: 'Operations', summary: 'this document', callers: ['anyone'], ok: json(r.metadata), errors: [] },
    { method: 'get', path: '/openapi.css', tag: 'Operations', summary: "the reference page's stylesheet", callers: ['anyone'], ok: { status: 200, description: 'CSS', type: 'text/css', schema: z.string() }, errors: [] },
    { method: 'get', path: '/openapi', tag: 'Operations', summary: 'this document as a reference page (HTML)', callers: ['anyone'], ok: { status: 200, description: 'HTML', type: 'text/html', schema: z.string() }, errors: [] },
  ];
}
