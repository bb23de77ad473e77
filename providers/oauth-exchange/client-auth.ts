import { importJWK, type JWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { ProviderError } from '../provider.ts';
import type { ClientAuthConfig } from './config.ts';

/**
 * The oauth4webapi client authentication for the configured method. A private key is imported
 * once, here, as a non-extractable CryptoKey; errors name the field, never quote the key.
 */
export async function clientAuthentication(cfg: ClientAuthConfig): Promise<oauth.ClientAuth> {
  switch (cfg.method) {
    case 'client_secret_basic':
      return oauth.ClientSecretBasic(cfg.secret);
    case 'client_secret_post':
      return oauth.ClientSecretPost(cfg.secret);
    case 'none':
      return oauth.None();
    case 'private_key_jwt': {
      const jwk = parsePrivateJwk(cfg.private_jwk);
      const alg = cfg.alg ?? jwk.alg ?? defaultAlg(jwk);
      const key = await importJWK(jwk, alg).catch(() => null);
      if (!(key instanceof CryptoKey)) throw misconfigured(`does not import as a ${alg} private key`);
      return oauth.PrivateKeyJwt(jwk.kid ? { key, kid: jwk.kid } : key);
    }
  }
}

function parsePrivateJwk(text: string): JWK {
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the fault, which is the key.
    throw misconfigured('is not JSON');
  }
  if (typeof jwk !== 'object' || jwk === null || typeof (jwk as JWK).d !== 'string') throw misconfigured('is not a private JWK (no "d")');
  return jwk as JWK;
}

function defaultAlg(jwk: JWK): string {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return 'ES384';
  if (jwk.kty === 'EC' && jwk.crv === 'P-521') return 'ES512';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  throw misconfigured('has a key type without a default algorithm: set client_auth.alg');
}

function misconfigured(why: string): ProviderError {
  return new ProviderError('misconfigured', `client_auth.private_jwk: ${why}`, false);
}
