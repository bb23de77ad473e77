import { createServer } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { approvalsCommand } from '../../src/node/commands/approvals.ts';
import { sha256Hex } from '../../src/lib/digest.ts';
import { listen, type Served } from '../client/served.ts';
import { ADMIN_KEY, harness, JWT_TYPE, type Harness } from '../support/harness.ts';

// Everything the issue names: Cc (TAB, LF, CR, ESC, DEL, NEL), the separators, every bidi control.
const UNSAFE: Record<string, string> = {
  TAB: '\t', LF: '\n', CR: '\r', ESC: '\u001b', DEL: '\u007f', NEL: '\u0085', C1: '\u009b',
  LS: '\u2028', PS: '\u2029', LRE: '\u202a', RLE: '\u202b', PDF: '\u202c', LRO: '\u202d', RLO: '\u202e',
  LRI: '\u2066', RLI: '\u2067', FSI: '\u2068', PDI: '\u2069',
};
// Raw in a JSON line, any of these lets a line-based reader split or reorder an event.
const RAW_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('a hostile agent cannot put control or bidi characters in what a human reads', () => {
  it('an intent with any of them is refused (TAB, CR, LF and the bidi controls included)', async () => {
    const h = await harness();
    for (const [name, c] of Object.entries(UNSAFE)) {
      const res = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', intent: `fix typo${c}APPROVE ALL` });
      expect(res.status, name).toBe(400);
      expect(await res.json(), name).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('intent') });
    }
    // Plain text with spaces and non-Latin letters is fine.
    expect((await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', intent: 'résumé der Q3-Berichte, 第三季度' })).status).toBe(200);
  });

  it('task ids and per-call tool names refuse each of them too, on /v1/credentials and AuthZEN', async () => {
    const gatewayKey = 'tgw_hardening-gateway-key-0123456789';
    const hash = await sha256Hex(gatewayKey);
    const h = await harness({ configPatch: (c) => (c.trust.gateway_key_hashes = [hash]) });
    for (const [name, c] of Object.entries(UNSAFE)) {
      const task = await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', task_id: `t${c}1` });
      expect(task.status, name).toBe(400);
      const cred = await h.app.request('/v1/credentials', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gatewayKey}` },
        body: JSON.stringify({ token: 'x', action: 'read', tool: `files.read${c}` }),
      });
      expect(cred.status, name).toBe(400);
      expect(await cred.json(), name).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('tool') });
      const pdp = await h.app.request('/access/v1/evaluation', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gatewayKey}` },
        body: JSON.stringify({ subject: { type: 'agent', id: 'spiffe://example.org/agent/demo' }, action: { name: 'read' }, resource: { type: 'resource', id: 'demo:reports' }, context: { tool: `t${c}` } }),
      });
      expect(pdp.status, name).toBe(400);
    }
  });

  it('an approver answer with them in its reason is refused', async () => {
    const h = await harness({ configPatch: (c) => (c.approvals = { groups: { 'team-a': ['https://idp.example#bob'] } }) });
    const id = (await (await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:delete' })).json()).approval_id;
    const res = await h.app.request(`/v1/approvals/${id}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.human.mint('bob')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'ok\u202e' }),
    });
    expect(res.status).toBe(400);
  });
});

// A human subject comes from an IdP and is not refused; wherever a person or a SIEM reads it, it is inert.
const HOSTILE_SUB = 'mallory\u001b[2J\u001b[H\u202efdp.txt\u2028{"type":"grant.active"}\u0085\u007f';

async function pendingForHostileHuman(h: Harness): Promise<string> {
  const res = await h.exchange({ subject_token: await h.human.mint(HOSTILE_SUB), actor_token: await h.agentToken(), actor_token_type: JWT_TYPE, scope: 'demo:reports:delete', task_id: 't-h', intent: 'drop stale draft' });
  const body = await res.json();
  expect(body.error).toBe('authorization_pending');
  return body.approval_id;
}

describe('strings shown to people and SIEMs are inert', () => {
  let served: Served | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await served?.close();
    served = undefined;
  });

  it('tollgate approvals ls prints an IdP subject with escapes visible, on one line per field', async () => {
    const h = await harness();
    await pendingForHostileHuman(h);
    served = await listen(h.app);
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    expect(await approvalsCommand(['ls', '--url', served.url, '--admin-key', ADMIN_KEY])).toBe(0);
    for (const line of out) expect(line).not.toMatch(RAW_IN_LINE);
    const text = out.join('\n');
    expect(text).toContain('for https://idp.example#mallory\\u{001B}[2J\\u{001B}[H\\u{202E}fdp.txt\\u{2028}{"type":"grant.active"}\\u{0085}\\u{007F}');
    // And --json output (what `approvals show` prints) escapes them as JSON.
    out.length = 0;
    expect(await approvalsCommand(['ls', '--json', '--url', served.url, '--admin-key', ADMIN_KEY])).toBe(0);
    expect(out.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(JSON.parse(out.join('\n')).approvals[0].principal).toBe(`https://idp.example#${HOSTILE_SUB}`);
  });

  it('the approval webhook text and body carry nothing raw', async () => {
    const bodies: string[] = [];
    const hook = createServer((req, res) => {
      let b = '';
      req.setEncoding('utf8');
      req.on('data', (d) => (b += d));
      req.on('end', () => (bodies.push(b), res.writeHead(204).end()));
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      const port = (hook.address() as { port: number }).port;
      const h = await harness({ configPatch: (c) => (c.approvals = { webhook: { url: `http://127.0.0.1:${port}/hook`, secret: 'webhook-secret-0123456789' } }) });
      await pendingForHostileHuman(h);
      for (let i = 0; i < 200 && bodies.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(bodies).toHaveLength(1);
      expect(bodies[0]).not.toMatch(RAW_IN_LINE);
      const notice = JSON.parse(bodies[0]!);
      expect(notice.approval.principal).toBe(`https://idp.example#${HOSTILE_SUB}`);
      expect(notice.text).not.toMatch(RAW_IN_LINE);
      expect(notice.text).toContain('(for https://idp.example#mallory\\u{001B}[2J');
      expect(notice.text).toContain('"drop stale draft"');
    } finally {
      hook.close();
    }
  });

  it('audit JSON lines escape U+2028/2029, DEL, NEL and bidi characters: one event per line, values unchanged', async () => {
    const h = await harness();
    await pendingForHostileHuman(h);
    const text = await (await h.adminRequest('/v1/audit?after=0')).text();
    for (const line of text.trim().split('\n')) expect(line).not.toMatch(RAW_IN_LINE);
    expect(text).toContain('\\u2028');
    expect(text).toContain('\\u202e');
    expect(text).toContain('\\u0085');
    expect(text).toContain('\\u007f');
    const lines = text.trim().split('\n');
    const events = lines.map((l) => JSON.parse(l));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.some((e) => JSON.stringify(e).includes(JSON.stringify(HOSTILE_SUB).slice(1, -1)))).toBe(true);
    expect((await (await h.adminRequest('/v1/audit/verify')).json()).ok).toBe(true);
  });
});
