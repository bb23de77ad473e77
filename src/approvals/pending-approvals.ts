import type { Deps } from '../deps.ts';
import { QuotaExceeded } from '../quotas/quota-exceeded.ts';
import type { Approval, ApprovalKind } from './approval.ts';

/** How long an agent is told to wait when it has too many requests waiting: about the time a human takes. */
const RETRY_AFTER_SECONDS = 60;

export interface ApprovalAsk {
  kind: ApprovalKind;
  agent: string;
  task_id: string;
  requestHash: string;
}

/**
 * Approval fatigue is an attack: an agent (perhaps prompt-injected) that floods its humans with
 * requests hopes one gets approved unread. So, before a request opens:
 * - the same request (same agent, task and request hash) still waiting is the answer: repeats
 *   fold into it, and the agent gets its id again;
 * - otherwise at most `approvals.max_pending_per_task` may wait per agent and task, and
 *   `approvals.max_pending_per_agent` per agent, else 429;
 * - and a new request costs one token of the agent's `approval` quota.
 * Counted over the newest waiting requests in the store, so every node sees the same ones; two
 * requests racing may both pass the count, which the per-agent rate still bounds.
 */
export async function foldOrAdmit(deps: Deps, ask: ApprovalAsk): Promise<Approval | null> {
  const now = deps.now();
  const { max_pending_per_task: perTask, max_pending_per_agent: perAgent } = deps.config.approvals;
  const waiting = (list: Approval[]) => list.filter((a) => a.status === 'pending' && a.expires_at > now);
  const inTask = waiting((await deps.store.listApprovals({ status: 'pending', agent: ask.agent, task_id: ask.task_id }, perTask * 4, null)).approvals);
  const same = inTask.find((a) => a.kind === ask.kind && a.request_hash === ask.requestHash);
  if (same) return same;
  if (inTask.length >= perTask) throw new QuotaExceeded(`${inTask.length} approval requests of this task are already waiting for a human`, RETRY_AFTER_SECONDS);
  const all = waiting((await deps.store.listApprovals({ status: 'pending', agent: ask.agent }, perAgent * 2, null)).approvals);
  if (all.length >= perAgent) throw new QuotaExceeded(`${all.length} approval requests of this agent are already waiting for a human`, RETRY_AFTER_SECONDS);
  deps.quotas.charge('approval', { agent: ask.agent, principal: null }, now);
  return null;
}
