import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { randomToken } from '../model/grant.ts';
import { ADMIN_KEY_PREFIX } from '../identity/bearer-auth.ts';
import { sha256Hex } from '../lib/digest.ts';
import { GATEWAY_KEY_PREFIX } from '../http/authenticate-gateway.ts';

export const DEV_CONFIG = new URL('../../config/tollgate.dev.yaml', import.meta.url).pathname;
export const DEV_WORKLOAD_ISSUER = 'https://dev.local/workload';
export const DEV_HUMAN_ISSUER = 'https://dev.local/human';
export const DEV_AUDIENCE = 'tollgate';

/** The dev issuers' private keys: only `tollgate dev-token` reads them, to mint identity tokens. */
export interface DevKeys {
  workload: JWK;
  human: JWK;
}

export interface DevEnv {
  env: Record<string, string>;
  adminKey: string;
  /** for POST /v1/credentials, as an MCP gateway or API proxy would call it */
  gatewayKey: string;
  created: boolean;
}

/**
 * Like `vault server -dev`: everything a first run needs is generated under the data folder
 * (signing key, dev issuer keys, seal key, admin key, gateway key), once, with owner-only permissions.
 * Later runs reuse them, so tokens and sealed values survive a restart.
 */
export async function prepareDevData(dataDir: string, port: number, issuer = `http://127.0.0.1:${port}`): Promise<DevEnv> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (n: string) => join(dir, n);
  const created = !existsSync(file('dev-admin.key'));
  if (created) {
    writeSecret(file('signing-key.json'), JSON.stringify(await privateJwk('dev-signing')));
    const keys: DevKeys = { workload: await privateJwk('dev-workload'), human: await privateJwk('dev-human') };
    writeSecret(file('dev-issuers.private.json'), JSON.stringify(keys));
    writeSecret(file('dev-workload.jwks.json'), JSON.stringify({ keys: [publicOf(keys.workload)] }));
    writeSecret(file('dev-human.jwks.json'), JSON.stringify({ keys: [publicOf(keys.human)] }));
    writeSecret(file('dev-seal.key'), btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))));
    writeSecret(file('dev-admin.key'), ADMIN_KEY_PREFIX + randomToken(32));
  }
  // Data folders made before gateway keys existed get one on their next start.
  if (!existsSync(file('dev-gateway.key'))) writeSecret(file('dev-gateway.key'), GATEWAY_KEY_PREFIX + randomToken(32));
  const adminKey = readFileSync(file('dev-admin.key'), 'utf8').trim();
  const gatewayKey = readFileSync(file('dev-gateway.key'), 'utf8').trim();
  return {
    adminKey,
    gatewayKey,
    created,
    env: {
      TOLLGATE_DATA: dir,
      TOLLGATE_DEV_PORT: String(port),
      TOLLGATE_DEV_ISSUER: issuer,
      TOLLGATE_DEV_SEAL_KEY: readFileSync(file('dev-seal.key'), 'utf8').trim(),
      TOLLGATE_DEV_ADMIN_KEY_HASH: await sha256Hex(adminKey),
      TOLLGATE_DEV_GATEWAY_KEY_HASH: await sha256Hex(gatewayKey),
    },
  };
}

export function readDevKeys(dataDir: string): DevKeys {
  const path = join(resolve(dataDir), 'dev-issuers.private.json');
  if (!existsSync(path)) throw new Error(`no dev keys in ${dataDir}: start the dev server first (npm start)`);
  return JSON.parse(readFileSync(path, 'utf8')) as DevKeys;
}

/** Signs identity tokens as one dev issuer would (the key is imported once): `sign(subject, ttlSeconds)`. */
export async function devTokenSigner(jwk: JWK, issuer: string): Promise<(sub: string, ttl: number) => Promise<string>> {
  const key = await importJWK(jwk, 'ES256');
  return (sub, ttl) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid!, typ: 'JWT' })
      .setIssuer(issuer)
      .setSubject(sub)
      .setAudience(DEV_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .setJti(crypto.randomUUID())
      .sign(key);
}

async function privateJwk(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
}

function publicOf(jwk: JWK): JWK {
  const { d: _d, ...pub } = jwk;
  return { ...pub, use: 'sig' };
}

function writeSecret(path: string, content: string): void {
  writeFileSync(path, content + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}
