import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from '../config/mcp-schema.ts';
import { ApprovalMemory } from './approval-memory.ts';
import { argumentsDigest } from './arguments-digest.ts';
import { CallRefused, type CallAuthority, type InboundGrant } from './call-authority.ts';
import type { CallTarget } from './call-target.ts';
import { classify } from './catalog.ts';
import type { Upstreams } from './upstream.ts';
import { inertText } from '../lib/inert-text.ts';
import { hasUnsafeText, UNSAFE_TEXT_MESSAGE } from '../lib/unsafe-text.ts';

/** What the gateway shares across requests. */
export interface GatewayCore {
  authority: CallAuthority;
  upstreams: Upstreams;
  approvals: ApprovalMemory;
  now: () => number;
}

/** One request's caller and server. */
export interface CallScope {
  name: string;
  server: McpServerConfig;
  grant: InboundGrant;
  requestId: string;
}

/** Why a call did not run, in words safe to show the agent (never a credential or token). */
export interface Refusal {
  code: string;
  message: string;
  approvalId?: string;
  approvalUrl?: string;
}

export type Guarded<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

/** A name an agent sent, fit for an audit line or a message: no control characters, bounded. */
export function printable(name: string): string {
  return inertText(name, 200);
}

/**
 * One tools/call, resources/read, prompts/get or completion/complete: classified by the catalog (unclassified is
 * denied), its arguments digested (RFC 8785 + SHA-256), decided again by Tollgate at current risk
 * with that digest (which binds the decision, any approval and the audit event to exactly these
 * arguments), then run upstream with the per-call credential. A call waiting for a human answers
 * at once with the approval's id and URL; the same call retried after approval runs once.
 */
export async function guardedCall<T>(core: GatewayCore, scope: CallScope, target: CallTarget, args: unknown, clientApproval: string | null, run: (c: Client) => Promise<T>): Promise<Guarded<T>> {
  const { grant, server } = scope;
  const { kind, name } = target;
  const tool = `${target.method}:${printable(name)}`;
  const refuse = async (reason: string, action: 'read' | 'write' | 'delete' | 'admin' | null, digest: string | null): Promise<Guarded<T>> => {
    await core.authority.refuse(grant, { server: scope.name, action, resource: server.resource, tool, argumentsDigest: digest, reason }, scope.requestId);
    return { ok: false, refusal: { code: 'access_denied', message: reason } };
  };
  const c = classify(server, kind, name);
  let digest: string;
  try {
    digest = await argumentsDigest(args);
  } catch (e) {
    return refuse(`the arguments are not JSON Tollgate can digest (${(e as Error).message})`, c?.action ?? null, null);
  }
  if (hasUnsafeText(name)) return refuse(`the ${kind} name ${UNSAFE_TEXT_MESSAGE}: denied`, c?.action ?? null, digest);
  if (!c) return refuse(`${kind} ${printable(name)} is not classified in Tollgate's catalog for this server: denied`, null, digest);

  const key = ApprovalMemory.key(grant.grantId, tool, digest);
  const approvalId = clientApproval ?? core.approvals.get(key, core.now());
  let credential: string;
  try {
    ({ credential } = await core.authority.redeem(grant, { server: scope.name, action: c.action, resource: server.resource, tool, argumentsDigest: digest, classification: c.classification ?? null, approvalId }, scope.requestId));
  } catch (e) {
    if (!(e instanceof CallRefused)) throw e;
    return { ok: false, refusal: await refusalOf(core, scope, key, e) };
  }
  core.approvals.forget(key);

  const connector = core.upstreams.for(server);
  if (!connector) return { ok: false, refusal: { code: 'server_error', message: 'this upstream transport is not available where the gateway runs' } };
  const upstream = { name: scope.name, server, grant, action: c.action, credential };
  try {
    return { ok: true, value: await run(await connector.connect(upstream)) };
  } catch (e) {
    connector.drop(upstream);
    // The upstream's own protocol errors are its answer to the agent; anything else (a broken
    // connection, a crash) is described without its details.
    const message = e instanceof McpError ? `the upstream server answered: ${printable(e.message)}` : 'the upstream server could not be reached';
    return { ok: false, refusal: { code: 'upstream_error', message } };
  }
}

async function refusalOf(core: GatewayCore, scope: CallScope, key: string, e: CallRefused): Promise<Refusal> {
  if (e.code === 'authorization_pending' && e.approvalId) {
    core.approvals.remember(key, e.approvalId, scope.grant.expiresAt);
    const url = core.authority.approvalUrl(e.approvalId);
    return {
      code: e.code,
      approvalId: e.approvalId,
      approvalUrl: url,
      message: `waiting for a human: approval ${e.approvalId} must be granted at ${url}; then call again with the same arguments (it runs once)`,
    };
  }
  core.approvals.forget(key);
  // The grant is over: whatever runs for it upstream (a stdio process) stops now.
  if (e.code === 'invalid_grant' && !(await core.authority.alive(scope.grant).catch(() => false))) await core.upstreams.endGrant(scope.grant.grantId);
  if (e.retryable) return { code: e.code, message: 'Tollgate cannot decide right now; nothing was run (try again)' };
  return { code: e.code, message: `denied by Tollgate (${e.code}): ${printable(e.message)}` };
}
