import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Harness } from '../support/harness.ts';

// The client SDK is tested over real HTTP: the harness's Tollgate (or a stand-in) listens on a
// loopback port and the SDK reaches it with the global fetch, as a deployed agent would.

export interface Served {
  url: string;
  close(): Promise<void>;
}

export async function listen(app: Pick<Hono<any>, 'fetch'>, port = 0): Promise<Served> {
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A controllable clock for the SDK (the server keeps the harness's own). */
export function testClock(start = Date.now()): { now: () => number; t: number; advance(ms: number): void } {
  const clock = {
    t: start,
    now: () => clock.t,
    advance(ms: number) {
      clock.t += ms;
    },
  };
  return clock;
}

/** The grants of a task, as the admin inventory lists them. */
export async function grantsOfTask(h: Harness, taskId: string): Promise<{ id: string; status: string }[]> {
  const res = await h.adminRequest(`/v1/grants?task_id=${encodeURIComponent(taskId)}`);
  if (res.status !== 200) throw new Error(`GET /v1/grants answered ${res.status}`);
  return ((await res.json()) as { grants: { id: string; status: string }[] }).grants;
}

/** Mass revocation of one agent's grants, blocking new ones. */
export async function blockAgent(h: Harness, agent: string): Promise<void> {
  const res = await h.adminRequest('/v1/revocations', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ agent, block: true, reason: 'client sdk test' }),
  });
  if (res.status !== 202 && res.status !== 200) throw new Error(`POST /v1/revocations answered ${res.status}`);
}
