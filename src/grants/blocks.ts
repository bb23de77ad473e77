import type { Deps } from '../deps.ts';
import { draft } from '../audit/event.ts';
import type { Block } from '../store/store.ts';

/**
 * Lift the blocks a mass revocation put on an agent or a principal (`block: true`): new grants
 * for it become possible again. What was revoked stays revoked. Audited (`block.lifted`) with who
 * lifted it; returns how many blocks were lifted (0: there were none, and nothing is recorded).
 */
export async function liftBlocks(deps: Deps, kind: Block['kind'], subject: string, by: string, requestId: string | null): Promise<number> {
  const event = draft('block.lifted', deps.now(), {
    request_id: requestId,
    ...(kind === 'agent' ? { agent: subject } : { principal: subject }),
    detail: { kind, subject, by },
  });
  return deps.store.liftBlocks(kind, subject, event);
}
