import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { TrustedIssuerConfig } from '../../src/config/schema.ts';

/** A frozen clock: whole seconds, so jose's floor(now / 1000) equals T0 exactly. */
export const T0 = 1_800_000_000;

export function frozenClock(startSec = T0) {
  let ms = startSec * 1000;
  return {
    now: () => ms,
    advance(seconds: number) {
      ms += seconds * 1000;
    },
  };
}

export type Alg = 'ES256' | 'RS256' | 'EdDSA';

export interface TestKey {
  alg: Alg;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** the public JWK as a JWKS would publish it */
  jwk: JWK;
}

export async function makeKey(alg: Alg, kid: string): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, jwk };
}

export const jwksOf = (...keys: TestKey[]) => ({ keys: keys.map((k) => k.jwk as Record<string, unknown>) });

/** A normal, valid token of `iss` at T0 unless claims say otherwise. */
export async function signToken(
  key: TestKey,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

export function b64url(data: string | Uint8Array): string {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return Buffer.from(bytes).toString('base64url');
}

/** Builds `header.payload.signature` by hand, for tokens jose refuses to produce. */
export function craft(header: unknown, payload: unknown, signature = ''): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${signature}`;
}

/** Signs a hand-built header with an ES256 key, so header checks are tested on real signatures. */
export async function craftSignedES256(key: TestKey, header: Record<string, unknown>, payload: unknown): Promise<string> {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, new TextEncoder().encode(input));
  return `${input}.${b64url(new Uint8Array(sig))}`;
}

export function issuer(overrides: Partial<TrustedIssuerConfig> & Pick<TrustedIssuerConfig, 'name' | 'issuer'>): TrustedIssuerConfig {
  return {
    kind: 'workload',
    audiences: ['tollgate'],
    algorithms: ['ES256', 'RS256', 'EdDSA'],
    asserts: [],
    jwks_refresh: 300,
    jwks_cooldown: 30,
    ...overrides,
  };
}

/** Standard claims of a fresh token at `nowSec`. */
export function claimsAt(nowSec: number, iss: string, sub: string, extra: JWTPayload = {}): JWTPayload {
  return { iss, sub, aud: 'tollgate', iat: nowSec, exp: nowSec + 300, ...extra };
}

export interface JwksServer {
  url: string;
  requests(): number;
  setBody(body: unknown): void;
  setStatus(status: number, headers?: Record<string, string>): void;
  /** the next responses wait until the returned function is called */
  hold(): () => void;
  close(): Promise<void>;
}

/** A real HTTP JWKS endpoint on 127.0.0.1 that counts requests. */
export async function startJwksServer(initial: unknown): Promise<JwksServer> {
  let body: string = JSON.stringify(initial);
  let status = 200;
  let extraHeaders: Record<string, string> = {};
  let count = 0;
  let gate: Promise<void> | null = null;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    count++;
    const reply = () => {
      res.writeHead(status, { 'content-type': 'application/json', ...extraHeaders });
      res.end(body);
    };
    if (gate) gate.then(reply);
    else reply();
    void req;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    requests: () => count,
    setBody(b) {
      body = typeof b === 'string' ? b : JSON.stringify(b);
    },
    setStatus(s, h = {}) {
      status = s;
      extraHeaders = h;
    },
    hold() {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return () => {
        gate = null;
        release();
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `fn` and returns the IdentityError code it threw (or 'no error'). */
export async function codeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'no error';
  } catch (e) {
    return (e as { code?: string }).code ?? `non-coded error: ${String(e)}`;
  }
}
