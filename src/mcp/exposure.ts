import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ListPromptsResultSchema, ListResourcesResultSchema, ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ActionClass } from '../model/action-class.ts';
import { CallRefused } from './call-authority.ts';
import { classify, type CatalogKind, type Classification } from './catalog.ts';
import { argumentsDigest } from './arguments-digest.ts';
import type { CallScope, GatewayCore } from './guarded-call.ts';

const MAX_PAGES = 20;
const LIST: Record<CatalogKind, { method: string; key: 'tools' | 'resources' | 'prompts'; id: 'name' | 'uri' }> = {
  tool: { method: 'tools/list', key: 'tools', id: 'name' },
  resource: { method: 'resources/list', key: 'resources', id: 'uri' },
  prompt: { method: 'prompts/list', key: 'prompts', id: 'name' },
};

type Item = Record<string, unknown>;

/**
 * Dynamic exposure: the upstream's list, cut down to what is classified, inside the grant's
 * scope, and permitted by current policy (perhaps after a human's approval; a call that would be
 * denied is not offered). The upstream is asked with a credential for the least action the caller
 * may use (read first), so listing is a redeemed, audited call like any other.
 */
export async function exposed(core: GatewayCore, scope: CallScope, kind: CatalogKind): Promise<Item[]> {
  const { server, grant } = scope;
  const held = new Set(grant.scope.split(' ').filter((s) => s.startsWith(`${server.resource}:`)).map((s) => s.slice(server.resource.length + 1)));
  const table = kind === 'tool' ? server.tools : kind === 'resource' ? server.resources : server.prompts;
  const candidates = Object.entries(table).map(([name, c]) => ({ ...c, name }) as Classification).filter((c) => held.has(c.action));
  const pairs = [...new Map(candidates.map((c) => [`${c.action}\n${c.classification ?? ''}`, c])).values()];
  const verdicts = await core.authority.permits(grant, pairs.map((c) => ({ action: c.action, resource: server.resource, classification: c.classification ?? null })));
  const allowed = new Set(pairs.filter((_, i) => verdicts[i]).map((c) => `${c.action}\n${c.classification ?? ''}`));
  if (allowed.size === 0) return [];
  const actions = [...allowed].map((k) => k.split('\n')[0] as ActionClass);
  const action: ActionClass = actions.includes('read') ? 'read' : actions[0]!;

  const items = await listUpstream(core, scope, kind, action);
  return items.filter((item) => {
    const id = item[LIST[kind].id];
    if (typeof id !== 'string') return false;
    const c = classify(server, kind, id);
    return c !== null && allowed.has(`${c.action}\n${c.classification ?? ''}`);
  });
}

async function listUpstream(core: GatewayCore, scope: CallScope, kind: CatalogKind, action: ActionClass): Promise<Item[]> {
  const { method, key } = LIST[kind];
  let credential: string;
  try {
    ({ credential } = await core.authority.redeem(
      scope.grant,
      { server: scope.name, action, resource: scope.server.resource, tool: method, argumentsDigest: await argumentsDigest({}), classification: null, approvalId: null },
      scope.requestId,
    ));
  } catch (e) {
    if (e instanceof CallRefused && !e.retryable) return [];
    throw e;
  }
  const connector = core.upstreams.for(scope.server);
  if (!connector) return [];
  const target = { name: scope.name, server: scope.server, grant: scope.grant, action, credential };
  const client: Client = await connector.connect(target);
  const schema = kind === 'tool' ? ListToolsResultSchema : kind === 'resource' ? ListResourcesResultSchema : ListPromptsResultSchema;
  const out: Item[] = [];
  let cursor: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = (await client.request({ method, params: cursor ? { cursor } : {} }, schema)) as Record<string, unknown>;
      out.push(...((r[key] as Item[]) ?? []));
      cursor = typeof r.nextCursor === 'string' ? r.nextCursor : undefined;
      if (!cursor) break;
    }
  } catch (e) {
    connector.drop(target);
    throw e;
  }
  return out;
}
