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
