// AES-256-GCM sealing for secrets at rest. The AAD binds a sealed value to its name, so a
// sealed blob copied under another name does not open.
const PREFIX = 'sealed:v1:';

export async function importSealKey(base64Key: string): Promise<CryptoKey> {
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = Uint8Array.from(atob(base64Key.trim()), (c) => c.charCodeAt(0));
  } catch {
    throw new Error('seal key is not base64');
  }
  if (raw.length !== 32) throw new Error('seal key must be 32 bytes (AES-256)');
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

export async function seal(key: CryptoKey, name: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(name) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return `${PREFIX}${b64u(iv)}.${b64u(new Uint8Array(ct))}`;
}

export async function unseal(key: CryptoKey, name: string, sealed: string): Promise<string> {
  if (!isSealed(sealed)) throw new Error('not a sealed value');
  const [iv, ct] = sealed.slice(PREFIX.length).split('.');
  if (!iv || !ct) throw new Error('malformed sealed value');
  const pt = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromB64u(iv), additionalData: new TextEncoder().encode(name) },
    key,
    fromB64u(ct),
  );
  return new TextDecoder().decode(pt);
}

function b64u(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64u(s: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
}
