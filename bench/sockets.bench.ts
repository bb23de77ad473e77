import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, generateKeyPair, jwtVerify } from 'jose';
import { freePort } from '../test/support/free-port.ts';
import { DEV_AUDIENCE, DEV_WORKLOAD_ISSUER, readDevKeys } from '../src/node/dev-mode.ts';
import { cpuPerCall, median, signGrantShaped } from './measure.ts';
import { devTokenMinter, ROOT, startDevProcess, type DevProcess } from './dev-process.ts';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const WARM_UP_S = 5;
/** Clock ticks per second of /proc/PID/stat (USER_HZ; 100 on Linux everywhere that matters). */
const USER_HZ = 100;

export interface SocketsOptions {
  rounds: number;
  seconds: number;
  connections: number;
  /** fresh workload tokens minted per exchange round: more than the server can use in `seconds` */
  exchangeTokens: number;
}

interface Load {
  ok: number;
  not_ok: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  used_bodies: number;
}

/**
 * The two hot paths as users meet them: `tollgate serve --dev` (compiled JavaScript) in its own
 * process pinned to one core with all its threads, autocannon in another process pinned to the
 * other core, and a bare Hono server (same core, same framework, same body parsing) measured in
 * alternation with it. Server CPU per request comes from /proc/PID/stat (every thread).
 */
export async function benchSockets(opts: SocketsOptions) {
  const cores = availableParallelism();
  const serverCpu = 0;
  const loadCpu = cores > 1 ? 1 : 0;
  const tollgate = await startDevProcess({ cpu: serverCpu });
  const bare = await startBareHono(serverCpu);
  try {
    const mint = await devTokenMinter(tollgate.data);
    const grantTokens = await perCallGrants(tollgate, mint, 64);
    const { headers: perCallHeaders, bodies: perCallBodies } = perCallRequest(tollgate.gatewayKey, grantTokens);
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
    const exchangeBodies = () => exchangeForms(mint, opts.exchangeTokens);
    // Every token of its own agent: no decision can come from memory, each pays Cedar.
    let newAgents = 0;
    const newAgentBodies = () => exchangeForms(mint, opts.exchangeTokens, () => `spiffe://dev.local/agent/new-${newAgents++}`);

    const job = (url: string, headers: Record<string, string>, bodies: string[], seconds = opts.seconds) => ({ url, headers, bodies, connections: opts.connections, seconds });
    // Warm both up before anything is counted: the first seconds under load run ~40% slower
    // (JIT tiers, caches filling, the WAL growing until checkpoints move to their own thread).
    await load(tollgate.pid, loadCpu, job(`${tollgate.url}/v1/credentials`, perCallHeaders, perCallBodies, WARM_UP_S));
    await load(bare.pid, loadCpu, job(`${bare.url}/v1/credentials`, perCallHeaders, perCallBodies, WARM_UP_S));
    await load(tollgate.pid, loadCpu, job(`${tollgate.url}/oauth/token`, formHeaders, await exchangeBodies(), WARM_UP_S));

    const perCall: Measured[] = [];
    const bareCall: Measured[] = [];
    const exchange: Measured[] = [];
    const exchangeNew: Measured[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      perCall.push(await load(tollgate.pid, loadCpu, job(`${tollgate.url}/v1/credentials`, perCallHeaders, perCallBodies)));
      bareCall.push(await load(bare.pid, loadCpu, job(`${bare.url}/v1/credentials`, perCallHeaders, perCallBodies)));
      exchange.push(await load(tollgate.pid, loadCpu, job(`${tollgate.url}/oauth/token`, formHeaders, await exchangeBodies())));
      exchangeNew.push(await load(tollgate.pid, loadCpu, job(`${tollgate.url}/oauth/token`, formHeaders, await newAgentBodies())));
    }
    const floor = await cryptoFloorUs(tollgate.data);
    const m = (v: Measured[], k: keyof Measured) => median(v.map((x) => x[k]));
    const summary = (v: Measured[]) => ({
      rps: Math.round(m(v, 'rps')),
      cpu_us_per_request: round(m(v, 'cpuUs')),
      p50_ms: m(v, 'p50'),
      p99_ms: m(v, 'p99'),
      failed: v.reduce((a, x) => a + x.notOk, 0),
    });
    return {
      connections: opts.connections,
      seconds_per_round: opts.seconds,
      rounds: opts.rounds,
      pinned: { server_cpu: serverCpu, load_cpu: loadCpu, cores },
      per_call: summary(perCall),
      bare_hono: summary(bareCall),
      per_call_vs_bare_hono: round(m(perCall, 'rps') / m(bareCall, 'rps'), 2),
      // The same ratio from CPU per request (what one core could serve): less at the mercy of
      // other processes on the shared core than requests per second are.
      per_call_vs_bare_hono_by_cpu: round(m(bareCall, 'cpuUs') / m(perCall, 'cpuUs'), 2),
      exchange: summary(exchange),
      crypto_floor_cpu_us: round(floor),
      exchange_vs_crypto_floor: round(m(exchange, 'cpuUs') / floor, 2),
      // Each exchange by an agent never seen before, so its policy decision is Cedar's, not remembered.
      exchange_new_agents: summary(exchangeNew),
      exchange_new_agents_vs_crypto_floor: round(m(exchangeNew, 'cpuUs') / floor, 2),
    };
  } finally {
    await tollgate.stop();
    await bare.stop();
  }
}

interface Measured {
  rps: number;
  cpuUs: number;
  p50: number;
  p99: number;
  notOk: number;
}

/** One autocannon run pinned to `cpu`, with the server's CPU time over exactly that run. */
export async function load(serverPid: number, cpu: number, job: object): Promise<Measured> {
  const file = join(mkdtempSync(join(tmpdir(), 'tollgate-load-')), 'job.json');
  writeFileSync(file, JSON.stringify(job));
  const child = spawn('taskset', ['-c', String(cpu), process.execPath, join(ROOT, 'bench/sockets-load.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let before = 0;
  child.stdout!.on('data', (d: Buffer) => {
    if (!out.includes('start') && (out + d).includes('start')) before = cpuTicks(serverPid);
    out += d;
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const after = cpuTicks(serverPid);
  if (code !== 0) throw new Error(`load generator exited ${code}:\n${out}`);
  const res = JSON.parse(out.trim().split('\n').pop()!) as Load;
  const served = res.ok + res.not_ok;
  return { rps: res.rps, cpuUs: ((after - before) / USER_HZ / served) * 1e6, p50: res.p50_ms, p99: res.p99_ms, notOk: res.not_ok };
}

/** utime + stime of every thread of the process, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** `n` token-exchange forms, each with a fresh workload token (its own `jti`), by default of one of 64 agents. */
export async function exchangeForms(mint: (agent: string) => Promise<string>, n: number, agentOf = (i: number) => `spiffe://dev.local/agent/bench-${i % 64}`): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const subject = await mint(agentOf(i));
    out.push(new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: JWT_TYPE, scope: 'demo:reports:read', task_id: `bench-${i % 100}` }).toString());
  }
  return out;
}

export function perCallRequest(gatewayKey: string, grantTokens: string[]) {
  return {
    headers: { authorization: `Bearer ${gatewayKey}`, 'content-type': 'application/json' },
    bodies: grantTokens.map((token) => JSON.stringify({ token, action: 'read', tool: 'reports.get', arguments_digest: 'sha256:' + 'ab'.repeat(32) })),
  };
}

/** One grant token per agent, each through a real exchange over HTTP. */
export async function perCallGrants(t: DevProcess, mint: (agent: string) => Promise<string>, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: await mint(`spiffe://dev.local/agent/gw-bench-${i}`), subject_token_type: JWT_TYPE, scope: 'demo:reports:read', task_id: `gw-bench-${i}` });
    const res = await fetch(`${t.url}/oauth/token`, { method: 'POST', body });
    if (res.status !== 200) throw new Error(`exchange for the per-call grants answered ${res.status}: ${await res.text()}`);
    out.push(((await res.json()) as { access_token: string }).access_token);
  }
  return out;
}

/** What no exchange can skip: verify the ES256 subject token, sign the ES256 grant token (CPU µs, in process). */
async function cryptoFloorUs(data: string): Promise<number> {
  const mint = await devTokenMinter(data);
  const tokens = await Promise.all(Array.from({ length: 64 }, (_, i) => mint(`spiffe://dev.local/agent/floor-${i}`)));
  const jwks = createLocalJWKSet({ keys: [{ ...readDevKeys(data).workload, d: undefined }] });
  const { privateKey } = await generateKeyPair('ES256');
  const once = async (i: number) => {
    await jwtVerify(tokens[i % tokens.length]!, jwks, { issuer: DEV_WORKLOAD_ISSUER, audience: DEV_AUDIENCE, algorithms: ['ES256'] });
    await signGrantShaped(privateKey, 'spiffe://dev.local/agent/x');
  };
  await cpuPerCall(200, once);
  return median([await cpuPerCall(1000, once), await cpuPerCall(1000, once), await cpuPerCall(1000, once)]);
}

interface BareHono {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function startBareHono(cpu: number): Promise<BareHono> {
  const port = await freePort();
  const child: ChildProcess = spawn('taskset', ['-c', String(cpu), process.execPath, join(ROOT, 'bench/bare-hono-server.ts'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`bare Hono server exited ${c}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () => new Promise<void>((r) => (child.exitCode !== null ? r() : (child.once('exit', () => r()), child.kill('SIGTERM')))),
  };
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

if (import.meta.main) {
  const { ensureBuilt } = await import('./dev-process.ts');
  ensureBuilt();
  const quick = process.argv.includes('--quick');
  console.log(JSON.stringify(await benchSockets(quick ? { rounds: 1, seconds: 3, connections: 32, exchangeTokens: 3000 } : { rounds: 3, seconds: 5, connections: 32, exchangeTokens: 6000 }), null, 2));
}
