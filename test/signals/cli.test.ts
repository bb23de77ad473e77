import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, startDevServer, type DevServer } from '../cli/dev-server.ts';

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer();
}, 60_000);
afterAll(async () => server?.stop());

const tollgate = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args, '--url', server.url, '--data', server.data], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TOLLGATE_ADMIN_KEY: '' } });

describe('tollgate risk set', () => {
  it('raises an agent through the running server, revokes what policy no longer permits, and lowers it again', { timeout: 60_000 }, () => {
    const agent = 'spiffe://dev.local/agent/cli-risk';
    const env = spawnSync(process.execPath, [CLI, 'dev-token', '--agent', agent, '--data', server.data], { cwd: ROOT, encoding: 'utf8' });
    expect(env.status, env.stderr).toBe(0);
    const token = /TOLLGATE_SUBJECT_TOKEN='?([^'\s]+)/.exec(env.stdout)?.[1];
    expect(token).toBeTruthy();
    const write = spawnSync(process.execPath, [CLI, 'exchange', '--scope', 'demo:reports:write', '--task', 'cli-t', '--token-only', '--url', server.url], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TOLLGATE_SUBJECT_TOKEN: token! },
    });
    expect(write.status, write.stderr).toBe(0);

    const raised = tollgate('risk', 'set', '--agent', agent, '--level', 'medium', '--reason', 'cli test');
    expect(raised.status, raised.stderr).toBe(0);
    expect(JSON.parse(raised.stdout)).toMatchObject({ agent, level: 'medium', previous_level: null, revoked: 1 });

    const lowered = tollgate('risk', 'set', '--agent', agent, '--level', 'low', '--reason', 'done');
    expect(JSON.parse(lowered.stdout)).toMatchObject({ level: 'low', previous_level: 'medium', revoked: 0 });
  });

  it('refuses incomplete options with usage (exit 2)', () => {
    const r = tollgate('risk', 'set', '--agent', 'x', '--level', 'severe', '--reason', 'r');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: tollgate risk set');
    expect(tollgate('risk', 'set', '--level', 'high', '--reason', 'r').status).toBe(2);
  });
});
