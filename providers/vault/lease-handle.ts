// The `lease` Tollgate records for a Vault credential: what kind of thing to revoke, and its
// handle. A token is recorded by its accessor, which can revoke it but not use it; the token
// itself is never stored.
export type LeaseHandle = { kind: 'accessor'; accessor: string } | { kind: 'lease'; leaseId: string };

export function formatLease(h: LeaseHandle): string {
  return h.kind === 'accessor' ? `accessor:${h.accessor}` : `lease:${h.leaseId}`;
}

/** null for a string this provider did not write. */
export function parseLease(s: string): LeaseHandle | null {
  if (s.startsWith('accessor:') && s.length > 'accessor:'.length) return { kind: 'accessor', accessor: s.slice('accessor:'.length) };
  if (s.startsWith('lease:') && s.length > 'lease:'.length) return { kind: 'lease', leaseId: s.slice('lease:'.length) };
  return null;
}
