import type { R2Bucket } from '@cloudflare/workers-types';
import type { AuditArchive } from '../audit/archive.ts';

/**
 * An audit archive in an R2 bucket. A put is atomic and durable once it resolves (R2 writes the
 * whole object or nothing), so the segment-then-checkpoint order of writeSegment holds as on disk.
 */
export function r2Archive(bucket: R2Bucket, binding: string): AuditArchive {
  return {
    location: `r2:${binding}`,
    async put(name, text) {
      await bucket.put(name, text, { httpMetadata: { contentType: name.endsWith('.jsonl') ? 'application/jsonl' : 'application/jose' } });
    },
    async get(name) {
      const object = await bucket.get(name);
      return object === null ? null : object.text();
    },
    async list(prefix) {
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await bucket.list({ prefix, ...(cursor ? { cursor } : {}) });
        for (const o of page.objects) names.push(o.key);
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return names;
    },
  };
}
