import { createLocalJWKSet, importJWK, type JWK, type JWTVerifyGetKey } from 'jose';

export interface SigningKeyInput {
  kid: string;
  alg: string;
  privateJwk: JWK;
}

/** Tollgate's own signing keys: the first signs; all are published so tokens signed before a rotation still verify. */
export interface Keyring {
  readonly current: { kid: string; alg: string; key: CryptoKey };
  readonly algorithms: string[];
  /** RFC 7517 public key set for /.well-known/jwks.json */
  readonly jwks: { keys: JWK[] };
  readonly verifyKey: JWTVerifyGetKey;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export async function loadKeyring(inputs: SigningKeyInput[]): Promise<Keyring> {
  const first = inputs[0];
  if (!first) throw new Error('signing: at least one key is required');
  const seen = new Set<string>();
  const publicKeys: JWK[] = [];
  for (const k of inputs) {
    if (seen.has(k.kid)) throw new Error(`signing: duplicate kid ${k.kid}`);
    seen.add(k.kid);
    if (!k.privateJwk.d) throw new Error(`signing: key ${k.kid} is not a private key`);
    if (k.privateJwk.kty === 'oct') throw new Error(`signing: key ${k.kid} is symmetric; use an asymmetric key`);
    const pub: JWK = { ...k.privateJwk };
    for (const m of PRIVATE_MEMBERS) delete (pub as Record<string, unknown>)[m];
    publicKeys.push({ ...pub, kid: k.kid, alg: k.alg, use: 'sig' });
  }
  const key = (await importJWK({ ...first.privateJwk, alg: first.alg }, first.alg)) as CryptoKey;
  const jwks = { keys: publicKeys };
  return {
    current: { kid: first.kid, alg: first.alg, key },
    algorithms: [...new Set(inputs.map((k) => k.alg))],
    jwks,
    verifyKey: createLocalJWKSet(jwks),
  };
}
