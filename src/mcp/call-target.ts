import type { CatalogKind } from './catalog.ts';

/** The catalog item one request acts on: its kind, and the name (or URI) the catalog classifies. */
export interface CallTarget {
  method: string;
  kind: CatalogKind;
  name: string;
}

/**
 * Which catalog item a request acts on, or null when the method acts on none (lists, ping) or the
 * params do not name one (the SDK refuses those as invalid params). A `completion/complete` acts
 * on the prompt or resource template it completes an argument of, so it is classified, decided
 * and audited as that prompt or resource: completing can reveal what the item would show.
 */
export function callTarget(method: string, params: Record<string, unknown> | undefined): CallTarget | null {
  const named = (kind: CatalogKind, v: unknown) => (typeof v === 'string' ? { method, kind, name: v } : null);
  switch (method) {
    case 'tools/call':
      return named('tool', params?.name);
    case 'prompts/get':
      return named('prompt', params?.name);
    case 'resources/read':
      return named('resource', params?.uri);
    case 'completion/complete': {
      const ref = params?.ref;
      if (!ref || typeof ref !== 'object') return null;
      const r = ref as Record<string, unknown>;
      if (r.type === 'ref/prompt') return named('prompt', r.name);
      if (r.type === 'ref/resource') return named('resource', r.uri);
      return null;
    }
    default:
      return null;
  }
}
