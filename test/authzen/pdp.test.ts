import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, expectedDigest, GATEWAY_KEY, mcpHarness, SERVER_URI, type McpHarness } from '../mcp/support.ts';
import { ISSUER } from '../support/harness.ts';

// OpenID AuthZEN 1.0 PDP: the per-call decision for gateways that speak AuthZEN, MCP profile mapping.

let m: McpHarness;
beforeAll(async () => {
  m = await mcpHarness();
});
afterAll(async () => {
  await m.close();
});

const AGENT = 'spiffe://example.org/agent/demo';
const post = (path: string, body: unknown, auth: string | null = GATEWAY_KEY) =>
  m.h.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, body: JSON.stringify(body) });
const evaluation = (token: string | undefined, action: string, tool: string, args: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  subject: { type: 'agent', id: AGENT, properties: token ? { token } : {} },
  action: { name: action },
  resource: { type: 'mcp_server', id: SERVER_URI },
  context: { tool, arguments_digest: expectedDigest(args), ...extra },
});

describe('AuthZEN metadata and authentication', () => {
  it('publishes its endpoints and refuses callers that are not gateways', async () => {
    const meta = await (await m.h.app.request('/.well-known/authzen-configuration')).json();
    expect(meta).toEqual({ policy_decision_point: ISSUER, access_evaluation_endpoint: `${ISSUER}/access/v1/evaluation`, access_evaluations_endpoint: `${ISSUER}/access/v1/evaluations` });
    const body = evaluation(undefined, 'read', 'tools/call:reports_get', { id: 'q3' });
    expect((await post('/access/v1/evaluation', body, null)).status).toBe(401);
    expect((await post('/access/v1/evaluation', body, await m.h.agentToken())).status).toBe(401);
    expect((await post('/access/v1/evaluation', { subject: { id: 1 } })).status).toBe(400);
  });
});

describe('with the agent grant token: the per-call decision', () => {
  it('allows a read, waits a write for a human, denies a delete, and audits each', async () => {
    const token = await m.grantToken({ scope: 'read write', task: 'task-authzen' });
    const read = await (await post('/access/v1/evaluation', evaluation(token, 'read', 'tools/call:reports_get', { id: 'q3' }))).json();
    expect(read).toMatchObject({ decision: true, context: { grant_id: expect.stringMatching(/^grt_/) } });

    const args = { id: 'q9', text: 'x' };
    const write = await (await post('/access/v1/evaluation', evaluation(token, 'write', 'tools/call:reports_update', args, { classification: 'reviewed' }))).json();
    expect(write).toMatchObject({ decision: false, context: { error: 'authorization_pending', approval_id: expect.stringMatching(/^apr_/) } });
    const alice = await m.h.human.mint('alice');
    await m.h.app.request(`/v1/approvals/${write.context.approval_id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' }, body: '{}' });
    const retry = evaluation(token, 'write', 'tools/call:reports_update', args, { classification: 'reviewed', approval_id: write.context.approval_id });
    expect((await (await post('/access/v1/evaluation', retry)).json()).decision).toBe(true);
    expect((await (await post('/access/v1/evaluation', retry)).json()).decision).toBe(false); // used once

    const del = await (await post('/access/v1/evaluation', evaluation(token, 'delete', 'tools/call:reports_delete', { id: 'q3' }))).json();
    expect(del).toMatchObject({ decision: false, context: { error: 'insufficient_scope' } });

    const events = (await auditEvents(m.h)).filter((e) => e.detail?.gateway?.startsWith('gateway-key:') && e.detail?.tool?.startsWith('tools/call:'));
    expect(events.map((e) => `${e.type} ${e.detail.tool}`)).toEqual([
      'credential.evaluated tools/call:reports_get',
      'credential.pending tools/call:reports_update',
      'credential.evaluated tools/call:reports_update',
      'credential.denied tools/call:reports_update',
      'credential.denied tools/call:reports_delete',
    ]);
    expect(events[0]).toMatchObject({ agent: AGENT, resource: 'mcp:reports', actions: ['read'], detail: { arguments_digest: expectedDigest({ id: 'q3' }) } });
  });

  it('a revoked grant, or a token of another agent, is decision false', async () => {
    const token = await m.grantToken({ scope: 'read', task: 'task-authzen-2' });
    const other = { ...evaluation(token, 'read', 'tools/call:reports_get', { id: 'q3' }), subject: { type: 'agent', id: 'spiffe://example.org/agent/else', properties: { token } } };
    expect(await (await post('/access/v1/evaluation', other)).json()).toMatchObject({ decision: false, context: { error: 'invalid_grant' } });
    await m.h.form('/oauth/revoke', { token }, { authorization: `Bearer ${await m.h.agentToken()}` });
    expect(await (await post('/access/v1/evaluation', evaluation(token, 'read', 'tools/call:reports_get', { id: 'q3' }))).json()).toMatchObject({ decision: false, context: { error: 'invalid_grant' } });
  });
});

describe('without a token: the policy decision for the agent and principal', () => {
  it('answers per evaluation with the batch semantics', async () => {
    const body = {
      subject: { type: 'agent', id: AGENT },
      resource: { type: 'mcp_server', id: 'mcp:reports' },
      evaluations: [{ action: { name: 'read' } }, { action: { name: 'delete' } }, { action: { name: 'write' }, context: { classification: 'reviewed' } }, { action: { name: 'write' } }],
    };
    const all = await (await post('/access/v1/evaluations', body)).json();
    expect(all.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([true, false, false, true]);
    expect(all.evaluations[2].context.error).toBe('authorization_pending');
    const first = await (await post('/access/v1/evaluations', { ...body, options: { evaluations_semantic: 'deny_on_first_deny' } })).json();
    expect(first.evaluations.length).toBe(2);
    const unknown = await (await post('/access/v1/evaluation', { subject: { type: 'agent', id: AGENT }, action: { name: 'read' }, resource: { type: 'x', id: 'nope:nope' } })).json();
    expect(unknown).toMatchObject({ decision: false, context: { error: 'invalid_target' } });
    const stranger = await (await post('/access/v1/evaluation', { subject: { type: 'agent', id: 'spiffe://elsewhere/agent' }, action: { name: 'read' }, resource: { type: 'x', id: 'mcp:reports' } })).json();
    expect(stranger.decision).toBe(false);
  });
});
