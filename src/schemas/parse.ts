import type { z } from 'zod';
import { OAuthError } from '../lib/oauth-error.ts';

/** A query (or path) checked against its schema: every problem, named by field, as one `invalid_request`. */
export function parseQuery<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new OAuthError('invalid_request', parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
  return parsed.data;
}
