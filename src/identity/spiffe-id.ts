/**
 * SPIFFE IDs (SPIFFE-ID spec §2), parsed strictly: an identity string is compared byte for
 * byte elsewhere (registry, policy, audit), so every spelling the spec forbids is refused here
 * rather than normalised — two spellings of one ID must never both be accepted.
 */
export interface SpiffeId {
  /** lowercase DNS-like name, e.g. `prod.acme.com` */
  readonly trustDomain: string;
  /** '' or '/seg/seg…' (never a trailing slash) */
  readonly path: string;
  toString(): string;
}

const SCHEME = 'spiffe://';
/** §2.1: trust domain characters; uppercase is not allowed (no case folding). */
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
/** §2.2: path segment characters; no percent-encoding, so '%' is simply not in the set. */
const SEGMENT = /^[a-zA-Z0-9._-]+$/;
const MAX_TRUST_DOMAIN = 255;
/** §2.3: the whole ID is at most 2048 bytes; every accepted character is ASCII, so chars = bytes. */
const MAX_ID = 2048;

export function parseSpiffeId(s: string): SpiffeId | null {
  if (typeof s !== 'string' || s.length > MAX_ID) return null;
  // Case-sensitive on purpose: `SPIFFE://` and `Spiffe://` are not valid SPIFFE IDs.
  if (!s.startsWith(SCHEME)) return null;
  const rest = s.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  // The character set excludes ':' (port), '@' (userinfo), '?', '#', '%' and non-ASCII.
  if (trustDomain.length === 0 || trustDomain.length > MAX_TRUST_DOMAIN) return null;
  if (!TRUST_DOMAIN.test(trustDomain)) return null;
  if (path !== '' && !validPath(path)) return null;
  return makeSpiffeId(trustDomain, path);
}

/** Whether `td` is a valid trust domain name on its own (for checking configuration). */
export function isTrustDomain(td: string): boolean {
  return typeof td === 'string' && td.length > 0 && td.length <= MAX_TRUST_DOMAIN && TRUST_DOMAIN.test(td);
}

function validPath(path: string): boolean {
  // path starts with '/'; splitting yields '' first, then one entry per segment.
  const segments = path.split('/').slice(1);
  for (const seg of segments) {
    // Empty covers '//' and a trailing '/'; '.' and '..' are relative segments (§2.2).
    if (seg === '' || seg === '.' || seg === '..') return false;
    if (!SEGMENT.test(seg)) return false;
  }
  return true;
}

function makeSpiffeId(trustDomain: string, path: string): SpiffeId {
  const text = SCHEME + trustDomain + path;
  return Object.freeze({ trustDomain, path, toString: () => text });
}
