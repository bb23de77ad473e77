import { APPROVAL_ID, type Approval } from '../../approvals/approval.ts';
import { answerApproval, MAX_REASON_CHARS } from '../../approvals/answer-approval.ts';
import { humanFrom, type Human } from '../../approvals/approvers.ts';
import { mayView as mayViewApproval, type ApprovalViewer } from '../../approvals/may-view.ts';
import { approvalView } from '../../approvals/view.ts';
import type { Deps } from '../../deps.ts';
import { ADMIN_KEY_PREFIX, authenticateAdmin, bearerToken, verifyOrNull } from '../../identity/bearer-auth.ts';
import type { RegisterRoutes } from '../env.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { readBodyText } from '../../lib/read-body.ts';
import { approvalAnswerBody, approvalListQuery, approvalWaitQuery } from '../../schemas/approvals.ts';
import { parseQuery } from '../../schemas/parse.ts';

const POLL_MS = 250;

const listQuery = approvalListQuery;
const answerBody = approvalAnswerBody;

type Viewer = ApprovalViewer;

/**
 * Human-in-the-loop. Approvers authenticate with their own (human issuer) token and see who
 * asks, for which task, why, on what, and for a tool call the arguments' digest. The agent that
 * asked may read (and long-poll) its own request; admins may read all but cannot approve.
 */
export const registerApprovals: RegisterRoutes = (app, deps) => {
  app.get('/v1/approvals', async (c) => {
    const viewer = await authenticateViewer(deps, c.req.raw);
    const parsed = listQuery.safeParse(c.req.query());
    if (!parsed.success) throw new OAuthError('invalid_request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const { limit, cursor, ...filter } = parsed.data;
    if (viewer.kind === 'agent') filter.agent = viewer.id;
    // A malformed cursor is the store's refusal, answered 400 (store/http-error.ts).
    const page = await deps.store.listApprovals({ status: viewer.kind === 'human' ? (filter.status ?? 'pending') : filter.status, agent: filter.agent, task_id: filter.task_id }, limit, cursor ?? null);
    const now = deps.now();
    const visible = page.approvals.filter((a) => mayView(deps, viewer, a));
    return c.json({ approvals: visible.map((a) => approvalView(a, now)), next_cursor: page.next_cursor });
  });

  app.get('/v1/approvals/:id', async (c) => {
    const viewer = await authenticateViewer(deps, c.req.raw);
    const id = approvalId(c.req.param('id'));
    const { wait } = parseQuery(approvalWaitQuery, { wait: c.req.query('wait') });
    let a = await load(deps, id);
    if (!mayView(deps, viewer, a)) throw new OAuthError('not_found', 'no such approval');
    // Long poll: answer as soon as the request is decided, or when it expires, or after `wait`.
    const until = Date.now() + wait * 1000;
    while (a.status === 'pending' && a.expires_at > deps.now() && Date.now() < until) {
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, until - Date.now()))));
      a = await load(deps, id);
    }
    return c.json(approvalView(a, deps.now()), 200, { 'cache-control': 'no-store' });
  });

  for (const verdict of ['approve', 'deny'] as const) {
    app.post(`/v1/approvals/:id/${verdict}`, async (c) => {
      const human = await authenticateHuman(deps, c.req.raw);
      const id = approvalId(c.req.param('id'));
      const reason = await readReason(c.req.raw, deps.config.server.limits.max_body_bytes);
      const a = await answerApproval(deps, id, human, verdict, reason, c.get('requestId'));
      return c.json(approvalView(a, deps.now()), 200, { 'cache-control': 'no-store' });
    });
  }
};

async function load(deps: Deps, id: string): Promise<Approval> {
  const a = await deps.store.getApproval(id);
  if (!a) throw new OAuthError('not_found', 'no such approval');
  return a;
}

function approvalId(raw: string): string {
  if (!APPROVAL_ID.test(raw)) throw new OAuthError('not_found', 'no such approval');
  return raw;
}

function mayView(deps: Deps, v: Viewer, a: Approval): boolean {
  return mayViewApproval(v, a, deps.config.approvals.groups);
}

async function authenticateViewer(deps: Deps, req: Request): Promise<Viewer> {
  const token = bearerToken(req);
  if (!token) throw new OAuthError('invalid_client', 'bearer token required');
  if (token.startsWith(ADMIN_KEY_PREFIX)) return { kind: 'admin', id: await authenticateAdmin(deps, req) };
  const t = await verifyOrNull(deps, token, ['human', 'workload', 'admin']);
  if (!t) throw new OAuthError('invalid_client', 'invalid credentials');
  if (t.kind === 'human') return { kind: 'human', human: humanFrom(t) };
  if (t.kind === 'workload') return { kind: 'agent', id: t.agentId };
  return { kind: 'admin', id: t.agentId };
}

/** Only a person answers: an agent's or an admin's token never approves anything. */
async function authenticateHuman(deps: Deps, req: Request): Promise<Human> {
  const token = bearerToken(req);
  if (!token) throw new OAuthError('invalid_client', "approver's bearer token required");
  const t = token.startsWith(ADMIN_KEY_PREFIX) ? null : await verifyOrNull(deps, token, ['human']);
  if (!t) throw new OAuthError('invalid_client', 'approvals are answered with a human identity token');
  return humanFrom(t);
}

async function readReason(req: Request, max: number): Promise<string | null> {
  const text = await readBodyText(req, max);
  if (text.trim() === '') return null;
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new OAuthError('unsupported_media_type', 'content-type must be application/json');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new OAuthError('invalid_request', 'body is not valid JSON');
  }
  const parsed = answerBody.safeParse(body);
  if (!parsed.success) throw new OAuthError('invalid_request', `reason: at most ${MAX_REASON_CHARS} characters, none of them control, line-separator or bidirectional formatting characters, and nothing else`);
  return parsed.data.reason ?? null;
}
