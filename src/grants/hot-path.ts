import type { Deps } from '../deps.ts';

const inFlight = new WeakMap<Deps, { n: number }>();

/**
 * How long background revocation work defers to gateway calls in progress before it takes its
 * turn anyway, so it is never starved. Under a steady stream of calls a 100k-grant revocation
 * then marks its rows in ~35 s instead of ~10 s (bench, this machine) — still faster than any
 * upstream revokes credentials, and every grant it names is dead on every path from the moment
 * it was recorded — while the calls' p99 stays within 2× of its baseline.
 */
export const MAX_DEFER_MS = 2;

function counter(deps: Deps): { n: number } {
  let c = inFlight.get(deps);
  if (!c) inFlight.set(deps, (c = { n: 0 }));
  return c;
}

/**
 * Gateway calls (POST /v1/credentials) in progress, so that background work on the same thread
 * (a mass revocation's batches) lets them finish first: a call then waits for at most the one
 * batch that was already running when it arrived, not also for one at its audit flush.
 */
export async function onHotPath<T>(deps: Deps, work: () => Promise<T>): Promise<T> {
  const c = counter(deps);
  c.n++;
  try {
    return await work();
  } finally {
    c.n--;
  }
}

/** Yields (with `yieldOnce`) while gateway calls are in progress, for at most MAX_DEFER_MS. */
export async function deferToHotPath(deps: Deps, yieldOnce: () => Promise<void>): Promise<void> {
  const c = inFlight.get(deps);
  if (!c || c.n === 0) return;
  const until = performance.now() + MAX_DEFER_MS;
  while (c.n > 0 && performance.now() < until) await yieldOnce();
}
