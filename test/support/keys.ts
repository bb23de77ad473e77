import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';

/** A test issuer with a real key pair; `mint` signs real JWTs. */
export interface TestIssuer {
  issuer: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  mint(sub: string, claims?: JWTPayload & { aud?: string | string[] }, opts?: { ttl?: number; iat?: number; header?: Record<string, unknown> }): Promise<string>;
}

export async function testIssuer(issuer: string, kid: string, audience = 'tollgate', now: () => number = Date.now): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return {
    issuer,
    kid,
    privateKey,
    publicJwk,
    async mint(sub, claims = {}, opts = {}) {
      const iat = opts.iat ?? Math.floor(now() / 1000);
      return new SignJWT({ aud: audience, ...claims })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT', ...opts.header })
        .setIssuer(issuer)
        .setSubject(sub)
        .setIssuedAt(iat)
        .setExpirationTime(iat + (opts.ttl ?? 600))
        .sign(privateKey);
    },
  };
}

export async function privateSigningJwk(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
}

/** Signs any header and payload as ES256 without jose's checks, to build hostile tokens. */
export async function signRawES256(header: Record<string, unknown>, payload: Record<string, unknown>, key: CryptoKey): Promise<string> {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc(header)}.${enc(payload)}`;
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(sig).toString('base64url')}`;
}
