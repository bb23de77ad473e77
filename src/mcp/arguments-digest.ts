import { stableStringify } from '../audit/canonical.ts';
import { sha256Digest } from '../client/digest.ts';

/**
 * RFC 8785 (JCS) canonical JSON of a value that came out of JSON.parse. For such values the audit
 * log's stableStringify is exactly JCS: members sorted by UTF-16 code units, ECMAScript number and
 * string serialisation, no whitespace. What JSON.parse cannot produce (undefined, NaN, Infinity,
 * holes, non-plain objects) is refused here rather than serialised some other way.
 */
export function canonicalJson(value: unknown): string {
  assertJson(value, 0);
  return stableStringify(value);
}

/**
 * `sha256:<hex>` over the canonical JSON of a call's arguments (`{}` when the call has none): the
 * one value that binds the decision, the approval and the audit event to exactly these arguments.
 */
export function argumentsDigest(args: unknown): Promise<string> {
  return sha256Digest(canonicalJson(args ?? {}));
}

const MAX_DEPTH = 64;

function assertJson(v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new TypeError('arguments nest too deeply');
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError('a number in the arguments is not finite');
    return;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) throw new TypeError('an array in the arguments has a hole');
      assertJson(v[i], depth + 1);
    }
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) assertJson(x, depth + 1);
    return;
  }
  throw new TypeError('the arguments are not JSON');
}
