import type { ResourceConfig } from '../../src/config/schema.ts';
import type { ActionClass } from '../../src/model/action-class.ts';
import { ProviderError } from '../provider.ts';
import { vaultAction, type VaultAction } from './config.ts';

/** An action's settings, or ProviderError('misconfigured') naming the bad field: `actions.read.path: …`. */
export function actionSettings(action: string, settings: unknown): VaultAction {
  const r = vaultAction.safeParse(settings);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const sub = issue?.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') ?? '';
  throw new ProviderError('misconfigured', `actions.${action}${sub}: ${issue?.message ?? 'invalid'}`, false);
}

/**
 * What to ask Vault for when a grant covers `actions`. Token actions combine: one token with
 * the union of their policies. Secret actions must name the same read, since one grant holds
 * one credential: asking for two different reads at once is too large a scope.
 */
export function planFor(resource: ResourceConfig, actions: readonly ActionClass[]): VaultAction {
  const settings = actions.map((a) => actionSettings(a, resource.actions[a]));
  const [first, ...rest] = settings;
  if (!first) throw new ProviderError('misconfigured', `resource ${resource.id}: no action asked for`, false);
  if (first.kind === 'token') {
    const tokens = [first, ...rest].filter((s) => s.kind === 'token');
    if (tokens.length === settings.length && tokens.every((t) => t.role === first.role)) {
      const renewable = tokens.some((t) => t.renewable === false) ? { renewable: false as const } : {};
      return { kind: 'token', policies: [...new Set(tokens.flatMap((t) => t.policies))].sort(), ...(first.role ? { role: first.role } : {}), ...renewable };
    }
  } else if (rest.every((s) => JSON.stringify(s) === JSON.stringify(first))) {
    return first;
  }
  throw new ProviderError('scope_too_large', `resource ${resource.id}: actions ${actions.join(', ')} are different Vault credentials; ask for one at a time`, false);
}
