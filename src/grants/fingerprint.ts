/** A credential's fingerprint: what audit events and lookups hold instead of the credential. */
export async function fingerprint(secret: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret)));
  let s = '';
  for (const x of d) s += String.fromCharCode(x);
  return 'sha256:' + btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
