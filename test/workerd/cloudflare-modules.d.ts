// The few runtime modules the workerd tests import, typed narrowly: the full
// @cloudflare/workers-types globals would clash with the DOM and Node types the rest of the
// project compiles against.
declare module 'cloudflare:workers' {
  import type { D1Database, R2Bucket } from '@cloudflare/workers-types';
  export const env: { DB: D1Database; ARCHIVE: R2Bucket };
}

declare module 'cloudflare:test' {
  /** Deletes all data from all bindings (the D1 database included). */
  export function reset(): Promise<void>;
}
