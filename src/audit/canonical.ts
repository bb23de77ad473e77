import type { AuditEvent } from './event.ts';

/**
 * The exact bytes an event's hash covers: prev_hash, seq and every field, as JSON with sorted keys.
 * Sorting makes the form independent of how a store happens to order columns or object keys,
 * so the writer (Node crypto, synchronous) and the verifier (Web Crypto) agree byte for byte.
 */
export function canonicalEvent(e: Omit<AuditEvent, 'hash'>): string {
  return stableStringify(e);
}

/**
 * JSON with object keys sorted (by UTF-16 code units) and undefined members left out. Written as
 * plain loops because it runs for every audit event on the gateway's per-call path.
 */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) {
    let out = '[';
    // A hole gives nothing between its commas (as Array#map and join did): same bytes as before.
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + (i in v ? stableStringify(v[i]) : '');
    return out + ']';
  }
  const o = v as Record<string, unknown>;
  if (flatAndSorted(o)) return JSON.stringify(o);
  const keys = Object.keys(o).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + stableStringify(x);
    first = false;
  }
  return out + '}';
}

/**
 * True for a plain object whose keys already come in sorted order and whose values are all
 * strings, finite-or-not numbers, booleans or null: JSON.stringify then writes the same bytes
 * (it walks the same key order), several times faster. That is every event's `detail` as read
 * back from the store, which kept it sorted, so verification mostly takes this path.
 */
function flatAndSorted(o: Record<string, unknown>): boolean {
  if (Object.getPrototypeOf(o) !== Object.prototype) return false;
  let prev: string | null = null;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) return false;
    if (prev !== null && !(prev < k)) return false;
    const x = o[k];
    if (x !== null && typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') return false;
    prev = k;
  }
  return true;
}
