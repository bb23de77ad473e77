import type { Deps } from '../deps.ts';

/** Principals whose email this process has already written; bounded, forgotten wholesale when full. */
const MAX_REMEMBERED = 10_000;
const written = new WeakMap<Deps, Map<string, string>>();

/**
 * Keeps the email → principal index for email subjects of signals. Written once per principal
 * and address per process, so the exchange hot path pays a store write only the first time.
 */
export async function noteEmail(deps: Deps, principal: string, email: string): Promise<void> {
  let mine = written.get(deps);
  if (!mine) written.set(deps, (mine = new Map()));
  if (mine.get(principal) === email) return;
  await deps.store.rememberEmail(principal, email, deps.now());
  if (mine.size >= MAX_REMEMBERED) mine.clear();
  mine.set(principal, email);
}
