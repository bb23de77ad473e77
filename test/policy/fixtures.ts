import { readFileSync } from 'node:fs';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyRequest, PolicySource } from '../../src/policy/engine.ts';

export { cedar };

const root = new URL('../../config/', import.meta.url);
export const schemaText = readFileSync(new URL('schema.cedarschema', root), 'utf8');
export const devPolicies: PolicySource = {
  name: 'dev.cedar',
  text: readFileSync(new URL('policies/dev.cedar', root), 'utf8'),
};

type Overrides = {
  agent?: Partial<PolicyRequest['agent']>;
  principal?: PolicyRequest['principal'];
  action?: PolicyRequest['action'];
  resource?: Partial<PolicyRequest['resource']>;
  context?: Partial<PolicyRequest['context']>;
};

/** A low-risk agent reading an internal resource, not delegated; override what a case needs. */
export function request(o: Overrides = {}): PolicyRequest {
  return {
    agent: { id: 'spiffe://acme.test/agent/reporter', owner: 'team-data', trust_domain: 'acme.test', risk: 'low', ...o.agent },
    principal: o.principal ?? null,
    action: o.action ?? 'read',
    resource: { id: 'aws:s3:reports', provider: 'aws-sts', classification: 'internal', ...o.resource },
    context: { task_id: 'task-1', intent: 'weekly report', delegation_depth: 0, requested_ttl: 600, now: 1_760_000_000, ...o.context },
  };
}
