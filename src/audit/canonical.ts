import type { AuditEvent } from './event.ts';

/**
 * The exact bytes an event's hash covers: prev_hash, seq and every field, as JSON with sorted keys.
 * Sorting makes the form independent of how a store happens to order columns or object keys,
 * so the writer (Node crypto, synchronous) and the verifier (Web Crypto) agree byte for byte.
 */
export function canonicalEvent(e: Omit<AuditEvent, 'hash'>): string {
  return stableStringify(e);
}

export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return '[' + v.map(stableStringify).join(',') + ']';
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + stableStringify(o[k])).join(',') + '}';
}
