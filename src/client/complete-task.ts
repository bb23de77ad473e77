import { endpoint, jsonOrError, send, type Fetch } from './http.ts';
import { resolveToken, type TokenInput } from './token-types.ts';

export interface CompleteTaskOptions {
  url: string | URL;
  taskId: string;
  /** the agent's workload token (ends the agent's own grants of the task), one of the task's grant tokens, or an admin credential */
  token: TokenInput;
  fetch?: Fetch;
  signal?: AbortSignal;
}

/** Per grant, what happened upstream (see the README's "Revocation receipts"). */
export interface TaskReceipt {
  grant_id: string;
  status: 'revoked' | 'pending' | 'expires_at' | string;
  expires_at?: string | null;
  detail?: string;
}

export interface CompleteTaskResult {
  task_id: string;
  revoked: TaskReceipt[];
}

/** `POST /v1/tasks/{task_id}/complete`: the task is over, all its grants (the caller's own) are revoked. */
export async function completeTask(opts: CompleteTaskOptions): Promise<CompleteTaskResult> {
  const res = await send(opts.fetch, endpoint(opts.url, `/v1/tasks/${encodeURIComponent(opts.taskId)}/complete`), {
    method: 'POST',
    headers: { authorization: `Bearer ${await resolveToken(opts.token)}`, accept: 'application/json' },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const body = await jsonOrError(res);
  return { task_id: typeof body.task_id === 'string' ? body.task_id : opts.taskId, revoked: Array.isArray(body.revoked) ? (body.revoked as TaskReceipt[]) : [] };
}
