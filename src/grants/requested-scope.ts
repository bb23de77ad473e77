import type { ResourceConfig } from '../config/schema.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { isActionClass, type ActionClass } from '../model/action-class.ts';

export interface RequestedScope {
  resource: ResourceConfig;
  actions: ActionClass[];
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,300}$/; // RFC 6749 §3.3 scope-token characters

/**
 * `scope` = space-separated `resource:action`; with RFC 8707 `resource` (or `audience`) naming the
 * resource, bare actions are allowed too. One exchange is one credential, so every scope must name
 * the same resource.
 */
export function parseRequestedScope(
  scope: string | undefined,
  resourceParam: string | undefined,
  catalog: ReadonlyMap<string, ResourceConfig>,
  maxScopes: number,
): RequestedScope {
  if (!scope) throw new OAuthError('invalid_scope', 'scope is required');
  const tokens = scope.split(' ');
  if (tokens.length > maxScopes) throw new OAuthError('invalid_scope', `at most ${maxScopes} scopes`);
  let resourceId = resourceParam;
  if (resourceId !== undefined && !catalog.has(resourceId)) throw new OAuthError('invalid_target', 'unknown resource');
  const actions = new Set<ActionClass>();
  for (const t of tokens) {
    if (!SCOPE_TOKEN.test(t)) throw new OAuthError('invalid_scope', 'malformed scope');
    const cut = t.lastIndexOf(':');
    const [res, action] = cut === -1 ? [resourceParam, t] : [t.slice(0, cut), t.slice(cut + 1)];
    if (!res) throw new OAuthError('invalid_scope', 'a scope is resource:action');
    if (!catalog.has(res)) throw new OAuthError('invalid_target', 'unknown resource');
    if (resourceId !== undefined && res !== resourceId) throw new OAuthError('invalid_scope', 'one exchange covers one resource');
    resourceId = res;
    if (!isActionClass(action!)) throw new OAuthError('invalid_scope', 'action must be read, write, delete or admin');
    actions.add(action);
  }
  const resource = catalog.get(resourceId!)!;
  for (const a of actions) {
    if (!(a in resource.actions)) throw new OAuthError('invalid_scope', `resource does not offer ${a}`);
  }
  return { resource, actions: [...actions] };
}

export function formatScope(resourceId: string, actions: readonly ActionClass[]): string {
  return actions.map((a) => `${resourceId}:${a}`).join(' ');
}
