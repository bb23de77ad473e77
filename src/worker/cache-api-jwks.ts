import type { JwksSharedCache, JwksSharedEntry } from '../identity/jwks-cache.ts';

/** Never fetched: the Cache API only needs a URL as a key. */
const KEY_BASE = 'https://jwks-cache.tollgate.internal/';

/**
 * Key sets shared by every isolate of this Worker in a data center, through the Workers Cache
 * API (no binding to configure). Entries are kept no longer than the refresh age; the reader
 * checks the age again, and parses an entry as untrusted input.
 */
export function cacheApiJwks(cache: Cache, maxAgeSeconds: number): JwksSharedCache {
  const key = (uri: string) => new Request(KEY_BASE + encodeURIComponent(uri));
  return {
    async get(uri) {
      const res = await cache.match(key(uri));
      if (!res) return null;
      return (await res.json()) as JwksSharedEntry;
    },
    async put(uri, entry) {
      await cache.put(key(uri), new Response(JSON.stringify(entry), { headers: { 'content-type': 'application/json', 'cache-control': `max-age=${Math.max(1, Math.floor(maxAgeSeconds))}` } }));
    },
  };
}
