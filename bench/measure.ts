import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SignJWT, type CryptoKey } from 'jose';

/** CPU microseconds (user + system) per call of `fn`, over `n` sequential calls. */
export async function cpuPerCall(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn(i);
  const d = process.cpuUsage(start);
  return (d.user + d.system) / n;
}

/**
 * Runs the candidates in interleaved rounds and keeps each one's median, so a noisy neighbour
 * slows every candidate alike instead of one of them.
 */
export async function sideBySide(rounds: number, n: number, candidates: Record<string, (i: number) => Promise<unknown>>): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
  for (const fn of Object.values(candidates)) await cpuPerCall(Math.min(n, 200), fn); // warm up the JIT
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(candidates)) samples[name]!.push(await cpuPerCall(n, fn));
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

export function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Longest event-loop stall while `fn` runs, in milliseconds. */
export async function longestStall<T>(fn: () => Promise<T>): Promise<{ result: T; stallMs: number; wallMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const result = await fn();
  const wallMs = performance.now() - t0;
  h.disable();
  return { result, stallMs: h.max / 1e6, wallMs };
}

/** Calls per second with `inFlight` calls at once. */
export async function throughput(fn: (i: number) => Promise<void>, n: number, inFlight: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < n) await fn(next++);
  }));
  return n / ((performance.now() - t0) / 1000);
}

export function percentile(v: number[], p: number): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

/** One ES256 signature over a grant-token-shaped payload: the signing half of the crypto floor. */
export function signGrantShaped(key: CryptoKey, subject: string): Promise<string> {
  return new SignJWT({ scope: 'demo:reports:read', task_id: 't', grant_id: 'g', client_id: 'c' })
    .setProtectedHeader({ alg: 'ES256', kid: 'sig-1', typ: 'at+jwt' })
    .setIssuer('https://tollgate.test')
    .setSubject(subject)
    .setAudience('a')
    .setIssuedAt()
    .setExpirationTime('1h')
    .setJti('g')
    .sign(key);
}
