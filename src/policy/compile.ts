import type { DetailedError } from '@cedar-policy/cedar-wasm';
import { readObligations, type Obligations } from './annotations.ts';
import type { CedarModule, PolicySource } from './types.ts';

// Splits policy files into policies with ids, reads their obligations and validates them against
// the schema. Collects every problem instead of stopping at the first.
export interface CompiledPolicy extends Obligations {
  id: string;
  file: string;
  effect: 'permit' | 'forbid';
  text: string;
}

export interface CompiledPolicies {
  policies: CompiledPolicy[];
  problems: string[];
  warnings: string[];
}

export function compilePolicies(cedar: CedarModule, schemaText: string, sources: PolicySource[]): CompiledPolicies {
  const problems: string[] = [];
  const warnings: string[] = [];
  const byId = new Map<string, CompiledPolicy>();

  for (const source of sources) {
    for (const policy of splitSource(cedar, source, problems)) {
      const first = byId.get(policy.id);
      if (first) problems.push(`${source.name}: policy "${policy.id}": duplicate id (first in ${first.file})`);
      else byId.set(policy.id, policy);
    }
  }

  const schema = cedar.checkParseSchema(schemaText);
  if (schema.type === 'failure') {
    for (const e of schema.errors) problems.push(`schema: ${describe(e, schemaText)}`);
    return { policies: [...byId.values()], problems, warnings };
  }

  const staticPolicies: Record<string, string> = {};
  for (const p of byId.values()) staticPolicies[p.id] = p.text;
  const answer = cedar.validate({ schema: schemaText, policies: { staticPolicies }, validationSettings: { mode: 'strict' } });
  if (answer.type === 'failure') {
    for (const e of answer.errors) problems.push(`validation: ${e.message}`);
  } else {
    const where = (id: string) => `${byId.get(id)?.file ?? '?'}: policy "${id}"`;
    for (const v of answer.validationErrors) problems.push(`${where(v.policyId)}: ${validatorMessage(v.error)}`);
    for (const v of answer.validationWarnings) warnings.push(`${where(v.policyId)}: ${validatorMessage(v.error)}`);
    for (const e of answer.otherWarnings) warnings.push(e.message);
  }
  return { policies: [...byId.values()], problems, warnings };
}

function splitSource(cedar: CedarModule, source: PolicySource, problems: string[]): CompiledPolicy[] {
  const parts = cedar.policySetTextToParts(source.text);
  if (parts.type === 'failure') {
    for (const e of parts.errors) problems.push(`${source.name}: ${describe(e, source.text)}`);
    return [];
  }
  if (parts.policy_templates.length > 0) {
    problems.push(`${source.name}: policy templates are not supported (${parts.policy_templates.length} found)`);
  }
  const out: CompiledPolicy[] = [];
  inSourceOrder(parts.policies).forEach((text, index) => {
    const json = cedar.policyToJson(text);
    if (json.type === 'failure') {
      for (const e of json.errors) problems.push(`${source.name}#${index}: ${e.message}`);
      return;
    }
    // Cedar types annotation values as strings, but a bare `@approval` comes back as null.
    const annotations = (json.json.annotations ?? {}) as Record<string, string | null>;
    const rawId = annotations.id;
    const id = rawId === undefined ? `${source.name}#${index}` : rawId;
    if (!id) {
      problems.push(`${source.name}#${index}: @id must not be empty`);
      return;
    }
    const effect = json.json.effect;
    const { approval, maxTtl, unregistered, problems: bad } = readObligations(effect, annotations);
    for (const b of bad) problems.push(`${source.name}: policy "${id}": ${b}`);
    out.push({ id, file: source.name, effect, text, approval, maxTtl, unregistered });
  });
  return out;
}

/**
 * policySetTextToParts returns the policies sorted by their generated ids "policy0", "policy1", …
 * as strings ("policy10" before "policy2"); undo that sort so generated ids follow the file.
 */
function inSourceOrder(sorted: string[]): string[] {
  const names = sorted.map((_, i) => `policy${i}`).sort();
  const out = new Array<string>(sorted.length);
  names.forEach((name, k) => {
    out[Number(name.slice('policy'.length))] = sorted[k]!;
  });
  return out;
}

/** The validator's message without its "for policy `id`, " prefix (we name the policy already), plus help. */
function validatorMessage(e: DetailedError): string {
  const help = e.help ? ` (${e.help})` : '';
  return `${e.message.replace(/^for policy `[^`]*`, /, '')}${help}`;
}

/** "line:col: message (help)" from Cedar's byte offsets into `text`. */
function describe(e: DetailedError, text: string): string {
  const loc = e.sourceLocations?.[0];
  const label = loc?.label ? `, ${loc.label}` : '';
  const help = e.help ? ` (${e.help})` : '';
  if (loc === undefined) return `${e.message}${help}`;
  const start = loc.start;
  const before = new TextDecoder().decode(new TextEncoder().encode(text).slice(0, start));
  const lines = before.split('\n');
  return `${lines.length}:${lines[lines.length - 1]!.length + 1}: ${e.message}${label}${help}`;
}
