import { compilePolicies } from './compile.ts';
import type { CedarModule, PolicySource } from './types.ts';

export interface PolicyCheck {
  ok: boolean;
  /** each names its file and, where known, its policy id */
  problems: string[];
  /** validator warnings; they do not make `ok` false */
  warnings: string[];
  policyIds: string[];
}

/** For `tollgate policy check`: every parse, annotation and schema problem, without loading anything. */
export function checkPolicies(cedar: CedarModule, schemaText: string, sources: PolicySource[]): PolicyCheck {
  const { policies, problems, warnings } = compilePolicies(cedar, schemaText, sources);
  return { ok: problems.length === 0, problems, warnings, policyIds: policies.map((p) => p.id) };
}
