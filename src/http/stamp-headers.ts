import type { Context } from 'hono';

/**
 * Adds headers to the response a handler already made. `c.header()` after the handler copies the
 * whole response (on @hono/node-server that turns its light response into a full one with a body
 * stream, and the socket write takes the slow path: a fifth of a gateway call's CPU), so the headers
 * are set in place; only a response whose headers are immutable (one passed through from `fetch`)
 * is copied, as `c.header()` would.
 */
export function stampHeaders(c: Context, headers: Readonly<Record<string, string>>): void {
  try {
    const h = c.res.headers;
    for (const name in headers) h.set(name, headers[name]!);
  } catch {
    for (const name in headers) c.header(name, headers[name]);
  }
}
