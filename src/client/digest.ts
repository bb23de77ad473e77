/**
 * `sha256:<64 hex>` of a call's arguments, for `arguments_digest`: approvers see it and the audit
 * log keeps it, so a call can later be matched to exactly what was approved. Hash the bytes that
 * are sent (or a canonical form of them); strings are hashed as UTF-8.
 */
export async function sha256Digest(body: string | ArrayBuffer | ArrayBufferView): Promise<string> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
  return 'sha256:' + Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}
