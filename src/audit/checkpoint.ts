import { CompactSign, compactVerify, createLocalJWKSet, type JWK } from 'jose';
import type { AuditEvent } from './event.ts';

/**
 * What a checkpoint vouches for: one closed segment of the chain, seqs `seq_from`..`seq_to`, the
 * hash it continues from and its last hash. Anyone with Tollgate's published key set can check an
 * archived segment against it offline, and the live chain continues from `head_hash`.
 */
export interface CheckpointClaims {
  seq_from: number;
  seq_to: number;
  count: number;
  prev_hash: string;
  head_hash: string;
  time_from: number;
  time_to: number;
}

/** A checkpoint as a store records it when it prunes the segment. */
export interface AuditCheckpoint extends CheckpointClaims {
  /** where the segment was exported before it was pruned (a directory path, as the operator configured it) */
  exported_to: string;
  /** the claims as a compact JWS signed by Tollgate's current key */
  jws: string;
  pruned_at: number;
}

/** The media type in the JWS header, so a checkpoint is never mistaken for a token. */
export const CHECKPOINT_TYP = 'tollgate-audit-checkpoint+jws';

/** The claims of the segment `events` (consecutive, in seq order), or null for none. */
export function segmentClaims(events: readonly AuditEvent[]): CheckpointClaims | null {
  const first = events[0];
  const last = events.at(-1);
  if (!first || !last) return null;
  return { seq_from: first.seq, seq_to: last.seq, count: events.length, prev_hash: first.prev_hash, head_hash: last.hash, time_from: first.time, time_to: last.time };
}

export async function signCheckpoint(claims: CheckpointClaims, key: { kid: string; alg: string; key: CryptoKey }): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CHECKPOINT_TYP }).sign(key.key);
}

/** The claims of a checkpoint whose signature verifies against `jwks`; throws otherwise. */
export async function verifyCheckpoint(jws: string, jwks: { keys: JWK[] }, algorithms: string[]): Promise<CheckpointClaims> {
  const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks), { algorithms });
  if (protectedHeader.typ !== CHECKPOINT_TYP) throw new Error('not an audit checkpoint');
  const c = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  const int = (k: string) => {
    const v = c[k];
    if (!Number.isSafeInteger(v)) throw new Error(`checkpoint: ${k} is not an integer`);
    return v as number;
  };
  const hex = (k: string) => {
    const v = c[k];
    if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw new Error(`checkpoint: ${k} is not a SHA-256 hex`);
    return v;
  };
  const claims = { seq_from: int('seq_from'), seq_to: int('seq_to'), count: int('count'), prev_hash: hex('prev_hash'), head_hash: hex('head_hash'), time_from: int('time_from'), time_to: int('time_to') };
  if (claims.seq_from < 1 || claims.count !== claims.seq_to - claims.seq_from + 1) throw new Error('checkpoint: count does not match its seq range');
  return claims;
}

/** Claims equal field by field: a recorded checkpoint must say what its signature says. */
export function sameClaims(a: CheckpointClaims, b: CheckpointClaims): boolean {
  return a.seq_from === b.seq_from && a.seq_to === b.seq_to && a.count === b.count && a.prev_hash === b.prev_hash && a.head_hash === b.head_hash && a.time_from === b.time_from && a.time_to === b.time_to;
}
