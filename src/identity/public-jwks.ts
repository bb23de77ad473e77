import type { JSONWebKeySet } from 'jose';

/**
 * Checks that a JSON value is a JWK Set fit to verify tokens with, before jose sees it.
 * jose only complains about a bad member when a token happens to select it; checking the
 * whole set up front turns a misconfigured or compromised key endpoint into one clear error
 * at load time instead of scattered failures later.
 *
 * Returns the reason it is unfit, or null when it is fine.
 */
export function unfitJwks(value: unknown, maxKeys: number): string | null {
  if (!isObject(value) || !Array.isArray(value.keys)) return 'not a JWK Set (no "keys" array)';
  const keys: unknown[] = value.keys;
  if (keys.length === 0) return 'JWK Set has no keys';
  if (keys.length > maxKeys) return `JWK Set has ${keys.length} keys (limit ${maxKeys})`;
  for (const [i, k] of keys.entries()) {
    if (!isObject(k) || typeof k.kty !== 'string') return `key ${i} is not a JWK`;
    // A verification set must hold public keys only. Private ('d', RSA primes) or symmetric
    // ('k') material here means the publisher leaked a secret: refuse the whole set.
    if ('d' in k || 'p' in k || 'q' in k || 'k' in k || k.kty === 'oct') {
      return `key ${i} holds private or symmetric key material`;
    }
  }
  return null;
}

/** Narrows after `unfitJwks` returned null. */
export function asJwks(value: unknown): JSONWebKeySet {
  return value as JSONWebKeySet;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
