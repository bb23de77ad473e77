import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { TOKEN_EXCHANGE_GRANT } from '../src/grants/exchange-request.ts';
import { freePort } from '../test/support/free-port.ts';
import { workerHarness } from '../test/worker/worker-harness.ts';
import { OFFLINE_ENV, ROOT } from '../test/worker/wrangler-dev.ts';
import { median } from './measure.ts';

/** Workers' limits on a Worker's compressed size. */
const LIMIT_FREE_KIB = 3 * 1024;
const LIMIT_PAID_KIB = 10 * 1024;

/**
 * The Worker as `wrangler deploy` would upload it, gzipped, with Cedar and with Cedar swapped for
 * an empty stub (its wasm and its JS glue), so Cedar's share is measured rather than guessed.
 */
export function benchWorkerBundle() {
  const withCedar = build([]);
  const stubs = mkdtempSync(join(tmpdir(), 'tollgate-stub-'));
  writeFileSync(join(stubs, 'cedar.js'), 'export function initSync() {}\n');
  writeFileSync(join(stubs, 'wasm.js'), 'export default null;\n');
  const withoutCedar = build([
    '--alias', `@cedar-policy/cedar-wasm/web:${join(stubs, 'cedar.js')}`,
    '--alias', `../../node_modules/@cedar-policy/cedar-wasm/web/cedar_wasm_bg.wasm:${join(stubs, 'wasm.js')}`,
  ]);
  return {
    gzip_kib_with_cedar: withCedar.gzipKib,
    gzip_kib_without_cedar: withoutCedar.gzipKib,
    cedar_gzip_kib: round(withCedar.gzipKib - withoutCedar.gzipKib),
    raw_kib_with_cedar: withCedar.rawKib,
    limit_free_kib: LIMIT_FREE_KIB,
    limit_paid_kib: LIMIT_PAID_KIB,
    fits_free_plan: withCedar.gzipKib <= LIMIT_FREE_KIB,
  };
}

function build(extra: string[]): { gzipKib: number; rawKib: number } {
  const out = mkdtempSync(join(tmpdir(), 'tollgate-bundle-'));
  const r = spawnSync(process.execPath, [`${ROOT}/node_modules/wrangler/bin/wrangler.js`, 'deploy', '--dry-run', '--outdir', out, ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...OFFLINE_ENV },
  });
  if (r.status !== 0) throw new Error(`wrangler build failed:\n${r.stdout}${r.stderr}`);
  let raw = 0;
  let gz = 0;
  for (const f of readdirSync(out).filter((n) => !n.endsWith('.map') && n !== 'README.md')) {
    const bytes = readFileSync(join(out, f));
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
  }
  return { gzipKib: round(gz / 1024), rawKib: round(raw / 1024) };
}

/**
 * One token exchange, end to end over loopback HTTP, in workerd (`wrangler dev --local`, local D1)
 * and on Node (`tollgate serve`, SQLite), with the same config, keys and policies, both as separate
 * processes, in interleaved rounds. Wall time per sequential request: workerd's CPU cannot be read
 * from here, and its dev server adds a proxy hop, so the ratio is an upper bound.
 */
export async function benchWorkerExchange(rounds: number, n: number) {
  const h = await workerHarness();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-node-'));
  const nodeConfig = { ...h.config, store: { sqlite: { path: join(dir, 'tollgate.db') } } };
  writeFileSync(join(dir, 'tollgate.yaml'), stringify(nodeConfig));
  const port = await freePort();
  const node = spawn(process.execPath, [`${ROOT}/src/node/cli.ts`, 'serve', '--config', join(dir, 'tollgate.yaml'), '--port', String(port)], {
    cwd: ROOT,
    env: { ...process.env, ...h.secrets },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      node.stdout!.on('data', (d) => ((out += d), out.includes('listening') && resolve()));
      node.stderr!.on('data', (d) => (out += d));
      node.once('exit', (code) => reject(new Error(`node server exited ${code}: ${out}`)));
    });
    const tokens = await Promise.all(Array.from({ length: 32 }, (_, i) => h.workload.mint(`spiffe://example.org/agent/bench-${i}`)));
    const exchangeAt = (base: string) => async (i: number) => {
      const res = await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: tokens[i % tokens.length]!, subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', scope: 'demo:reports:read', task_id: `bench-${i % 50}` }),
      });
      if (res.status !== 200) throw new Error(`exchange answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    // The transport alone (the JWKS document: no store, no crypto), to tell the dev server's
    // HTTP path apart from the exchange itself.
    const jwksAt = (base: string) => async () => void (await (await fetch(`${base}/.well-known/jwks.json`)).arrayBuffer());
    const nodeUrl = `http://127.0.0.1:${port}`;
    const candidates = { node: exchangeAt(nodeUrl), workerd: exchangeAt(h.worker.url), node_jwks: jwksAt(nodeUrl), workerd_jwks: jwksAt(h.worker.url) };
    const samples: Record<string, number[]> = { node: [], workerd: [], node_jwks: [], workerd_jwks: [] };
    for (const fn of Object.values(candidates)) for (let i = 0; i < 50; i++) await fn(i);
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of Object.entries(candidates)) {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) await fn(i);
        samples[name]!.push((performance.now() - t0) / n);
      }
    }
    const nodeMs = median(samples.node!);
    const workerdMs = median(samples.workerd!);
    const transportNode = median(samples.node_jwks!);
    const transportWorkerd = median(samples.workerd_jwks!);
    return {
      node_ms_per_exchange: round(nodeMs),
      workerd_ms_per_exchange: round(workerdMs),
      workerd_vs_node: round(workerdMs / nodeMs),
      // what is left once each side's bare HTTP round trip is taken off
      workerd_vs_node_beyond_transport: round((workerdMs - transportWorkerd) / (nodeMs - transportNode)),
      node_ms_per_jwks_get: round(transportNode),
      workerd_ms_per_jwks_get: round(transportWorkerd),
    };
  } finally {
    node.kill('SIGTERM');
    await h.stop();
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
