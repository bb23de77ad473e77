import { stableStringify } from '../audit/canonical.ts';
import { sha256Hex } from '../lib/digest.ts';
import type { ActClaim } from '../model/grant.ts';

/** Everything an approver saw about an exchange; a retry must ask for exactly this. */
export interface GrantRequestShape {
  agent: string;
  principal: string | null;
  act: ActClaim | null;
  task_id: string;
  resource: string;
  actions: string[];
  token_type: string;
  intent: string | null;
}

/** Everything an approver saw about one tool call. */
export interface CallRequestShape {
  grant_id: string;
  action: string;
  tool: string | null;
  arguments_digest: string | null;
}

/**
 * The binding between an approval and its request: the SHA-256 of the request's canonical JSON.
 * A retry that differs in anything the approver saw (another resource, more actions, other
 * arguments) hashes differently and cannot use the approval.
 */
export function grantRequestHash(r: GrantRequestShape): Promise<string> {
  return sha256Hex(stableStringify({ kind: 'grant', ...r, actions: [...r.actions].sort() }));
}

export function callRequestHash(r: CallRequestShape): Promise<string> {
  return sha256Hex(stableStringify({ kind: 'call', ...r }));
}
