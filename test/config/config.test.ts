import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseConfig, ConfigError } from '../../src/config/parse-config.ts';
import { prepareDevData } from '../../src/node/dev-mode.ts';
import { freePort } from '../support/free-port.ts';
import { CLI, ROOT } from '../support/paths.ts';

const DEV = readFileSync(new URL('../../config/tollgate.dev.yaml', import.meta.url), 'utf8');
const DEV_ENV = { TOLLGATE_DEV_PORT: '8787', TOLLGATE_DEV_ISSUER: 'http://127.0.0.1:8787', TOLLGATE_DATA: '/tmp/x', TOLLGATE_DEV_SEAL_KEY: 'x', TOLLGATE_DEV_ADMIN_KEY_HASH: 'a'.repeat(64), TOLLGATE_DEV_GATEWAY_KEY_HASH: 'b'.repeat(64) };

function errorOf(text: string, env: Record<string, string> = DEV_ENV): string {
  try {
    parseConfig(text, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('parses the dev config with defaults filled in', () => {
    const c = parseConfig(DEV, DEV_ENV);
    expect(c.server.port).toBe(8787);
    expect(c.server.limits.default_ttl).toBe(900);
    expect(c.agents[0]!.max_ttl).toBe(3600);
    expect(c.resources.map((r) => r.id)).toEqual(['demo:reports', 'demo:db', 'mcp:demo']);
    expect(Object.keys(c.mcp.servers)).toEqual(['demo']);
  });

  it.each([
    ['a missing section', DEV.replace(/^policy:[\s\S]*$/m, ''), 'policy'],
    ['a bad duration', DEV.replace('max_ttl: 1h', 'max_ttl: forever'), 'agents[0].max_ttl'],
    ['an unknown field', DEV.replace('server:\n', 'server:\n  colour: red\n'), 'server'],
    ['a resource naming no provider', DEV.replace('provider: secrets', 'provider: nowhere'), 'resources[1].provider'],
    ['a bad issuer kind', DEV.replace('kind: human', 'kind: robot'), 'trust.issuers[1].kind'],
    ['an unknown action class', DEV.replace('read: { secret: demo-db-password }', 'execute: { secret: demo-db-password }'), 'resources[1].actions'],
    ['a bad port', DEV, 'server.port', { ...DEV_ENV, TOLLGATE_DEV_PORT: '99999' }],
    ['an MCP server naming no resource', DEV.replace('resource: mcp:demo', 'resource: mcp:nowhere'), 'mcp.servers.demo.resource'],
    ['an MCP tool of a class its resource lacks', DEV.replace('reports_delete: { action: delete }', 'reports_delete: { action: admin }'), 'mcp.servers.demo.tools.reports_delete.action'],
    ['an MCP tool of no class', DEV.replace('reports_get: { action: read }', 'reports_get: { action: execute }'), 'mcp.servers.demo.tools.reports_get.action'],
    ['an injection template without {credential}', DEV.replace('upstream: { builtin: demo }', 'upstream: { url: "https://up.example/mcp", headers: { authorization: "Bearer static" } }'), 'mcp.servers.demo.upstream'],
  ] as [string, string, string, Record<string, string>?][])('names the path of %s', (_n, text, path, env) => {
    expect(errorOf(text, env)).toContain(path);
  });

  it('names the missing environment variable', () => {
    expect(errorOf(DEV, { ...DEV_ENV, TOLLGATE_DEV_SEAL_KEY: undefined as never })).toMatch(/signing\.seal_key: environment variable TOLLGATE_DEV_SEAL_KEY is not set/);
  });

  it('interpolates after parsing, so a value cannot inject YAML structure', () => {
    const c = parseConfig(DEV, { ...DEV_ENV, TOLLGATE_DEV_SEAL_KEY: 'x\nserver: { port: 1 }' });
    expect(c.signing.seal_key).toBe('x\nserver: { port: 1 }');
    expect(c.server.port).toBe(8787);
  });

  it('a provider that cannot start stops `tollgate serve` with a clear message naming it', async () => {
    const port = await freePort(); // nothing listens there
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-cfg-'));
    const dev = await prepareDevData(join(dir, 'data'), 8787);
    const path = join(dir, 'vault.yaml');
    const vault = `providers:\n  vault:\n    type: vault\n    address: http://127.0.0.1:${port}\n    timeout: 1\n    auth: { method: token, token: s.not-a-real-token }\n`;
    writeFileSync(path, DEV.replace('providers:\n', vault).replace('schema_file: schema.cedarschema', `schema_file: ${ROOT}config/schema.cedarschema`).replace('files: [policies/dev.cedar]', `files: [${ROOT}config/policies/dev.cedar]`));
    const r = spawnSync(process.execPath, [CLI, 'serve', '--config', path], { encoding: 'utf8', env: { ...process.env, ...dev.env }, timeout: 30_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('providers.vault');
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
    expect(r.stderr).not.toContain('s.not-a-real-token');
  });

  it('a bad file stops `tollgate serve` with the path of the bad field and a non-zero exit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-cfg-'));
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, DEV.replace('max_ttl: 1h', 'max_ttl: soon'));
    const r = spawnSync(process.execPath, [CLI, 'serve', '--config', path], { encoding: 'utf8', env: { ...process.env, ...DEV_ENV } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('agents[0].max_ttl');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('config/tollgate.example.yaml', () => {
  it('is a valid config whose catalog its providers accept', async () => {
    const { generateKeyPair, exportJWK } = await import('jose');
    const { nodeProviderFactories } = await import('../../src/node/provider-factories.ts');
    const { createLogger } = await import('../../src/log.ts');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const text = readFileSync(new URL('../../config/tollgate.example.yaml', import.meta.url), 'utf8');
    const c = parseConfig(text, {
      TOLLGATE_SIGNING_JWK: JSON.stringify(await exportJWK(privateKey)),
      TOLLGATE_SEAL_KEY: Buffer.alloc(32, 1).toString('base64'),
      VAULT_ROLE_ID: 'r',
      VAULT_SECRET_ID: 's',
    });
    expect(c.trust.issuers.map((i) => i.kind)).toEqual(['workload', 'workload', 'human', 'admin']);
    const ctx = { log: createLogger(() => {}), now: Date.now, sealKey: null, keyring: null, issuer: c.server.issuer, grantTokenAudience: 'x' } as never;
    for (const [name, raw] of Object.entries(c.providers)) {
      const p = await nodeProviderFactories[raw.type]!(name, raw, ctx);
      for (const r of c.resources.filter((r) => r.provider === name)) expect(() => p.checkResource?.(r)).not.toThrow();
      await p.stop?.();
    }
  });
});
