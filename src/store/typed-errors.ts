import type { Store } from './store.ts';
import { GrantRefused, StoreRefused, StoreUnavailable } from './store-errors.ts';

/** Methods that run the caller's code or end the store: their errors are not the database's. */
const PASS_THROUGH = new Set<PropertyKey>(['runAlone', 'close']);

/**
 * The store as every caller sees it: whatever an engine throws comes out typed, so it is mapped
 * to HTTP once (store/http-error.ts) instead of at every call. GrantRefused and StoreRefused
 * are the store's answers and stay as they are; anything else is StoreUnavailable, retryable when the engine says the
 * failure was transient.
 */
export function withTypedErrors(store: Store): Store {
  // Keyed by the function itself: a method replaced on the engine (a test's fault injection) is wrapped anew.
  const wrapped = new WeakMap<object, unknown>();
  return new Proxy(store, {
    // The engines keep their state in private fields: every method and getter runs on the target itself.
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      const fn = v as (...args: unknown[]) => unknown;
      let w = wrapped.get(fn);
      if (!w) {
        w = PASS_THROUGH.has(prop) ? fn.bind(target) : (...args: unknown[]) => {
          try {
            const r = fn.apply(target, args);
            return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(typed(e))) : r;
          } catch (e) {
            throw typed(e);
          }
        };
        wrapped.set(fn, w);
      }
      return w;
    },
  });
}

function typed(e: unknown): unknown {
  if (e instanceof GrantRefused || e instanceof StoreUnavailable || e instanceof StoreRefused) return e;
  return new StoreUnavailable(transient(e), e);
}

/** A lost race (retried to exhaustion) or a connection that went away: asking again may work. */
function transient(e: unknown): boolean {
  const err = e as { code?: string; retry?: boolean } | null;
  if (err?.retry === true) return true;
  const code = err?.code ?? '';
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code.startsWith('08') || code === '57P01' || code === 'ECONNREFUSED' || code === 'ECONNRESET';
}
