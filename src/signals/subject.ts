import type { TrustedIssuerConfig } from '../config/schema.ts';
import type { Deps } from '../deps.ts';
import { parseSpiffeId } from '../identity/spiffe-id.ts';
import type { RiskSubject } from '../store/store.ts';
import { SetError } from './set-error.ts';
import { isObject } from './verify-set.ts';

const MAX_CHARS = 2048;
const MAX_ALIASES = 8;
/** An email seen with more principals than this is not one person; the most recent are taken. */
const MAX_PRINCIPALS_PER_EMAIL = 16;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
/** SSF complex subjects: the members that may name a subject. Only `user` is mapped. */
const COMPLEX_MEMBERS = ['user', 'device', 'session', 'application', 'tenant', 'org_unit', 'group'];

/** A subject identifier (RFC 9493, SSF complex subjects), checked for shape. */
export type SubjectId =
  | { format: 'email'; email: string }
  | { format: 'iss_sub'; iss: string; sub: string }
  | { format: 'uri'; uri: string }
  | { format: 'aliases'; identifiers: SubjectId[] }
  | { format: 'complex'; user: SubjectId | null }
  | { format: 'other'; name: string };

/** Parses a subject identifier; a malformed one of a known format is a bad request. */
export function parseSubjectId(v: unknown, nested = false): SubjectId {
  if (!isObject(v) || typeof v.format !== 'string') throw bad('a subject identifier needs a "format"');
  switch (v.format) {
    case 'email':
      if (!bounded(v.email) || !EMAIL.test(v.email)) throw bad('email subject: "email" is malformed');
      return { format: 'email', email: v.email.toLowerCase() };
    case 'iss_sub':
      if (!bounded(v.iss) || !bounded(v.sub)) throw bad('iss_sub subject: "iss" and "sub" must be strings');
      return { format: 'iss_sub', iss: v.iss, sub: v.sub };
    case 'uri':
      if (!bounded(v.uri)) throw bad('uri subject: "uri" must be a string');
      return { format: 'uri', uri: v.uri };
    case 'aliases': {
      if (nested) throw bad('aliases cannot nest');
      const ids = v.identifiers;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_ALIASES) throw bad(`aliases subject: 1-${MAX_ALIASES} identifiers`);
      return { format: 'aliases', identifiers: ids.map((i) => parseSubjectId(i, true)) };
    }
    case 'complex': {
      if (nested) throw bad('complex subjects cannot nest');
      for (const m of COMPLEX_MEMBERS) if (v[m] !== undefined) parseSubjectId(v[m], true);
      return { format: 'complex', user: v.user === undefined ? null : parseSubjectId(v.user, true) };
    }
    default:
      if (v.format.length > 64) throw bad('subject format is too long');
      return { format: 'other', name: v.format };
  }
}

/**
 * The agents and principals a subject means here:
 * - `email`: the principals whose verified `email` claim had that address at an exchange;
 * - `iss_sub`: `iss#sub` as a principal when `iss` is a trusted human issuer, as an agent when it
 *   is a workload issuer (its SPIFFE ID when that issuer asserts SPIFFE IDs);
 * - `uri` with a SPIFFE ID: that agent;
 * - `aliases`: each of its identifiers; `complex`: its `user`;
 * - anything else (opaque, account, phone_number, did, other URIs): nothing.
 */
export async function resolveSubject(deps: Deps, s: SubjectId, transmitter: TrustedIssuerConfig | null = null): Promise<RiskSubject[]> {
  const out = new Map<string, RiskSubject>();
  const inScope = scopeOf(deps, transmitter);
  const add = (kind: RiskSubject['kind'], id: string) => {
    if (inScope(kind, id)) out.set(`${kind} ${id}`, { kind, id });
  };
  const visit = async (id: SubjectId): Promise<void> => {
    switch (id.format) {
      case 'email':
        for (const p of await deps.store.principalsByEmail(id.email, MAX_PRINCIPALS_PER_EMAIL)) add('principal', p);
        return;
      case 'iss_sub':
        for (const issuer of deps.config.trust.issuers.filter((i) => i.issuer === id.iss)) {
          if (issuer.kind === 'human') add('principal', `${id.iss}#${id.sub}`);
          if (issuer.kind !== 'workload') continue;
          const spiffe = issuer.spiffe_trust_domains ? parseSpiffeId(id.sub) : null;
          if (issuer.spiffe_trust_domains && !(spiffe && issuer.spiffe_trust_domains.includes(spiffe.trustDomain))) continue;
          add('agent', spiffe ? spiffe.toString() : `${id.iss}#${id.sub}`);
        }
        return;
      case 'uri': {
        const spiffe = parseSpiffeId(id.uri);
        if (spiffe) add('agent', spiffe.toString());
        return;
      }
      case 'aliases':
        for (const i of id.identifiers) await visit(i);
        return;
      case 'complex':
        if (id.user) await visit(id.user);
        return;
      case 'other':
        return;
    }
  };
  await visit(s);
  return [...out.values()];
}

/**
 * A transmitter configured with `speaks_for` names only the subjects of those issuers: principals
 * whose `iss#sub` is one of their human issuers, agents whose SPIFFE trust domain (or `iss#sub`)
 * is one of their workload issuers'. One IdP's feed cannot revoke another's people.
 */
function scopeOf(deps: Deps, transmitter: TrustedIssuerConfig | null): (kind: RiskSubject['kind'], id: string) => boolean {
  const names = transmitter?.speaks_for;
  if (!names) return () => true;
  const issuers = deps.config.trust.issuers.filter((i) => names.includes(i.name));
  const humans = new Set(issuers.filter((i) => i.kind === 'human').map((i) => i.issuer));
  const workloads = issuers.filter((i) => i.kind === 'workload');
  const domains = new Set(workloads.flatMap((i) => i.spiffe_trust_domains ?? []));
  const workloadIssuers = new Set(workloads.map((i) => i.issuer));
  return (kind, id) => {
    // An issuer URL has no '#' (OIDC forbids fragments); a sub may.
    if (kind === 'principal') return humans.has(id.slice(0, id.indexOf('#')));
    const spiffe = parseSpiffeId(id);
    return spiffe ? domains.has(spiffe.trustDomain) : workloadIssuers.has(id.slice(0, id.indexOf('#')));
  };
}

/** For the audit log: the format and, for formats that identify someone, who. */
export function describeSubject(s: SubjectId): Record<string, unknown> {
  switch (s.format) {
    case 'aliases':
      return { format: s.format, identifiers: s.identifiers.map(describeSubject) };
    case 'complex':
      return { format: s.format, user: s.user ? describeSubject(s.user) : null };
    case 'other':
      return { format: s.name };
    default:
      return { ...s };
  }
}

function bounded(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_CHARS;
}

function bad(description: string): SetError {
  return new SetError('invalid_request', description);
}
