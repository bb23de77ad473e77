import type { RegisterRoutes } from '../env.ts';
import { looksLikeOurs, verifyGrantToken } from '../../grants/grant-token.ts';
import { draft } from '../../audit/event.ts';
import { revokeNow, settle } from '../../grants/revoke.ts';
import { ADMIN_KEY_PREFIX, authenticateAdmin, bearerToken, verifyOrNull } from '../../identity/bearer-auth.ts';
import { OAuthError } from '../../lib/oauth-error.ts';
import { taskPath } from '../../schemas/tasks.ts';
import { parseQuery } from '../../schemas/parse.ts';


/**
 * Ending a task revokes all its grants. An agent ends its own task with its workload token or
 * with one of the task's grant tokens (then only its own grants are touched); an admin ends
 * anyone's.
 */
export const registerTasks: RegisterRoutes = (app, deps) => {
  const path = taskPath(deps.config.server.limits);
  app.post('/v1/tasks/:task_id/complete', async (c) => {
    const { task_id: taskId } = parseQuery(path, { task_id: c.req.param('task_id') });
    const token = bearerToken(c.req.raw);
    if (!token) throw new OAuthError('invalid_client', 'bearer token required');
    let agent: string | null = null;
    let by: string;
    if (token.startsWith(ADMIN_KEY_PREFIX)) {
      by = await authenticateAdmin(deps, c.req.raw);
    } else if (looksLikeOurs(token, deps.config.server.issuer)) {
      const claims = await verifyGrantToken(deps.keyring, deps.config.server.issuer, token, deps.now());
      if (!claims || claims.task_id !== taskId) throw new OAuthError('invalid_client', 'token does not belong to this task');
      agent = claims.client_id;
      by = agent;
    } else {
      const workload = await verifyOrNull(deps, token, ['workload']);
      if (workload) {
        agent = workload.agentId;
        by = agent;
      } else {
        by = await authenticateAdmin(deps, c.req.raw);
      }
    }
    const filter = agent ? { task_id: taskId, agent } : { task_id: taskId };
    // Close first: an exchange for this task that is still in flight either inserted its grant
    // before (and the sweep below revokes it) or finds the task closed when it tries.
    const now = deps.now();
    await deps.store.closeTask(taskId, agent, now, draft('task.completed', now, { request_id: c.get('requestId'), agent, task_id: taskId, reason: 'task completed', detail: { by } }));
    const revoked = await revokeNow(deps, { filter, reason: 'task completed', by, requestId: c.get('requestId') });
    return c.json({ task_id: taskId, revoked: await settle(deps, revoked) });
  });
};
