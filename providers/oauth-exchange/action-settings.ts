import { z } from 'zod';
import type { ResourceConfig } from '../../src/config/schema.ts';
import type { ActionClass } from '../../src/model/action-class.ts';
import { ProviderError } from '../provider.ts';

// RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** A catalog resource's per-action settings: what to ask the upstream for when that action is granted. */
export const actionSettings = z
  .object({
    scope: z
      .string()
      .max(2048)
      .refine((s) => s.split(' ').every((t) => SCOPE_TOKEN.test(t)), 'space-separated scope tokens (RFC 6749 §3.3)')
      .optional(),
    /** RFC 8693 `audience`: the upstream's logical name of the target service */
    audience: z.string().min(1).max(2048).optional(),
    /** RFC 8707 / RFC 8693 `resource`: the target service's URI */
    resource: z
      .string()
      .url()
      .refine((u) => !u.includes('#'), 'an absolute URI without a fragment (RFC 8707)')
      .optional(),
  })
  .strict()
  // Without any of them the upstream hands out its default, which is not a down-scoped credential.
  .refine((s) => s.scope !== undefined || s.audience !== undefined || s.resource !== undefined, 'name at least one of scope, audience, resource');

/** What one exchange asks the upstream for. */
export interface UpstreamTarget {
  scope: string | null;
  audience: string | null;
  resource: string | null;
}

/** At start: every action of the resource is well-formed, and together they name one upstream target. */
export function checkResourceSettings(resource: ResourceConfig): void {
  targetFor(resource, Object.keys(resource.actions) as ActionClass[]);
}

/**
 * The granted actions' settings combined: their scopes joined, their audience and resource the
 * one they all name. A resource is one upstream target whose actions differ by scope, so a
 * grant of any subset of its actions asks for the same audience and resource.
 */
export function targetFor(resource: ResourceConfig, actions: readonly ActionClass[]): UpstreamTarget {
  const settings = actions.map((action) => {
    const parsed = actionSettings.safeParse(resource.actions[action]);
    if (parsed.success) return { action, ...parsed.data };
    const issue = parsed.error.issues[0];
    const path = issue?.path.map((p) => `.${String(p)}`).join('') ?? '';
    throw new ProviderError('misconfigured', `actions.${action}${path}: ${issue?.message ?? 'invalid'}`, false);
  });
  const first = settings[0];
  for (const s of settings) {
    for (const field of ['audience', 'resource'] as const) {
      if (s[field] !== first?.[field])
        throw new ProviderError('misconfigured', `actions.${s.action}.${field}: every action of one resource must name the same ${field} (actions differ by scope)`, false);
    }
  }
  const scopes = [...new Set(settings.flatMap((s) => s.scope?.split(' ') ?? []))];
  return { scope: scopes.length > 0 ? scopes.join(' ') : null, audience: first?.audience ?? null, resource: first?.resource ?? null };
}
