import type { z } from 'zod';
import { OAuthError } from '../lib/oauth-error.ts';

/** The named fields of a form (or a query) that were filled in: an empty box means "not given". */
export function filled(source: ReadonlyMap<string, string> | Record<string, string | undefined>, names: readonly string[]): Record<string, string> {
  const get = (k: string) => (source instanceof Map ? source.get(k) : (source as Record<string, string | undefined>)[k]);
  const out: Record<string, string> = {};
  for (const k of names) {
    const v = get(k)?.trim();
    if (v) out[k] = v;
  }
  return out;
}

/** Parse with the API's own schema, so a form is held to exactly what the API would accept. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new OAuthError('invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'form'}: ${i.message}`).join('; '));
  return parsed.data;
}
