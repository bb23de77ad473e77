import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ROOT, startDevServer, type DevServer } from './dev-server.ts';

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

/** A README block marked `<!-- NAME:start -->` … `<!-- NAME:end -->`, run verbatim by bash against a dev server (own port and data folder). */
function readmeBlock(name: string): string {
  const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
  const block = new RegExp(`<!-- ${name}:start -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`).exec(readme);
  if (!block) throw new Error(`README has no ${name} block`);
  return block[1]!;
}

/** The blocks name the default dev server; point them at this test's own server and data folder. */
function retarget(block: string): string {
  return block.replaceAll('http://127.0.0.1:8787', server.url).replaceAll('data/dev-gateway.key', `${server.data}/dev-gateway.key`);
}

function runBlock(name: string) {
  const r = spawnSync('bash', ['-e', '-c', retarget(readmeBlock(name))], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TOLLGATE_URL: server.url, TOLLGATE_DATA: server.data, TOLLGATE_ADMIN_KEY: '', TOLLGATE_APPROVER_TOKEN: '' },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('README walk-through', () => {
  it('runs verbatim and shows each promised result', { timeout: 120_000 }, () => {
    const { status, out } = runBlock('walkthrough');
    expect(status, out).toBe(0);
    expect(out).toContain('"issued_token_type": "urn:ietf:params:oauth:token-type:jwt"');
    expect(out).toContain('"active": true');
    expect(out).toContain('"active": false');
    expect(out).toContain('"error": "authorization_pending"');
    expect(out).toContain('"approval_id": "apr_');
    expect(out).toMatch(/apr_\S+  pending  spiffe:\/\/dev.local\/agent\/demo wants delete on demo:reports  task t-2/);
    expect(out).toContain('intent: drop a stale draft');
    expect(out).toMatch(/"status": "approved"/);
    expect(out).toMatch(/"scope": "demo:reports:delete",[\s\S]*"task_id": "t-2"/);
    expect(out).toMatch(/"task_id": "t-2",\s*"revoked": \[/);
    expect(out).toMatch(/"dry_run": true/);
    expect(out).toMatch(/"ok": true,\s*"checked": \d+/);
  });
});

describe('README approval round trip', () => {
  it('runs verbatim: the agent waits, alice approves, the retry is issued', { timeout: 120_000 }, () => {
    const { status, out } = runBlock('approvals');
    expect(status, out).toBe(0);
    expect(out).toMatch(/apr_\S+  pending  spiffe:\/\/dev.local\/agent\/demo wants delete on demo:reports  task t-9/);
    expect(out).toMatch(/"status": "approved"/);
    expect(out).toMatch(/"scope": "demo:reports:delete",[\s\S]*"task_id": "t-9"/);
  });
});

describe('README gateway integration', () => {
  it('runs verbatim: served, refused beyond the grant, refused after revocation', { timeout: 120_000 }, () => {
    const { status, out } = runBlock('gateway');
    expect(status, out).toBe(0);
    expect(out).toMatch(/"action":"read".*"access_token":"ey/);
    expect(out).toContain('"error":"insufficient_scope"');
    expect(out).toMatch(/"error":"invalid_grant","error_description":"the grant is not honoured: revoked"/);
  });
});

describe('README MCP walk-through', () => {
  it('runs verbatim: 401 to metadata, filtered tools, read runs, write waits then runs once, delete and revoked refused', { timeout: 120_000 }, () => {
    const { status, out } = runBlock('mcp');
    expect(status, out).toBe(0);
    expect(out).toContain(`www-authenticate: Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp/demo", scope="mcp:demo:read mcp:demo:write mcp:demo:delete"`);
    expect(out).toContain('granted: mcp:demo:read mcp:demo:write');
    expect(out).toMatch(/^reports_get {2}Read a report\nreports_update {2}Write a report$/m);
    expect(out).toMatch(/^report q3: revenue up 4% \(upstream credential sha256:/m);
    expect(out).toMatch(/"status": "approved"/);
    expect(out).toMatch(/^report q3 updated \(upstream credential sha256:/m);
    expect(out).toContain('this call needs mcp:demo:delete');
    expect(out).toContain('delete refused');
    expect(out).toContain('the grant behind this token is no longer honoured');
    expect(out).toContain('revoked: refused');
    expect(out).toMatch(/"ok": true,\s*"checked": \d+/);
  });
});
