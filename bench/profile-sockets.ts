// Where the time goes on the two hot paths over real sockets: `tollgate serve --dev` (compiled) under
// --cpu-prof, pinned to one core, loaded by autocannon on the other core; then the profile's self
// time by function and by origin (Tollgate's own code, each dependency, Node internals, GC).
//   node bench/profile-sockets.ts [per-call|exchange] [seconds]
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devTokenMinter, ensureBuilt, ROOT, startDevProcess } from './dev-process.ts';
import { exchangeForms, load, perCallGrants, perCallRequest } from './sockets.bench.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export async function profileSockets(path: 'per-call' | 'exchange', seconds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-prof-'));
  const server = await startDevProcess({ cpu: 0, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  const mint = await devTokenMinter(server.data);
  const job =
    path === 'per-call'
      ? { url: `${server.url}/v1/credentials`, ...perCallRequest(server.gatewayKey, await perCallGrants(server, mint, 64)) }
      : { url: `${server.url}/oauth/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, bodies: await exchangeForms(mint, Math.max(2000, seconds * 1500)) };
  const measured = await load(server.pid, 1, { ...job, connections: 32, seconds });
  await server.stop(); // SIGTERM: the server shuts down and Node writes the profile
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  return { path, measured, ...summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] }) };
}

function summarise(profile: { nodes: ProfileNode[] }) {
  let total = 0;
  const byFunction = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits || n.callFrame.functionName === '(idle)') continue;
    total += hits;
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url.replace(`file://${ROOT}`, '');
    const fn = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    byOrigin.set(origin(url, functionName), (byOrigin.get(origin(url, functionName)) ?? 0) + hits);
  }
  const share = (m: Map<string, number>, top: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  return { by_origin: share(byOrigin, 15), by_function: share(byFunction, Number(process.env.TOP ?? 30)) };
}

function origin(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1]!;
  if (url.startsWith('node:')) return url.replace(/^node:internal\/(?:deps\/)?/, 'node:').split('/').slice(0, 2).join('/');
  const own = /dist\/((?:src|providers)\/[^/]+)/.exec(url);
  return own ? `tollgate ${own[1]}` : url;
}

if (import.meta.main) {
  ensureBuilt();
  const path = process.argv[2] === 'exchange' ? 'exchange' : 'per-call';
  const r = await profileSockets(path, Number(process.argv[3] ?? 8));
  console.log(`${r.path}: ${JSON.stringify(r.measured)}\n\nby origin:\n${r.by_origin.join('\n')}\n\nby function:\n${r.by_function.join('\n')}`);
}
