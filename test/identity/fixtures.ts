import { createTrustRegistry, type TrustRegistry } from '../../src/identity/trust-registry.ts';
import { frozenClock, issuer, jwksOf, makeKey, type TestKey } from './helpers.ts';

export const WL_ISS = 'https://oidc.spire.test';
export const IDP_ISS = 'https://idp.test';
export const ADMIN_ISS = 'https://admin.test';
export const SKEW = 60;
export const MAX_TOKEN_BYTES = 4096;

export interface Fixture {
  clock: ReturnType<typeof frozenClock>;
  registry: TrustRegistry;
  /** ES256, workload issuer, SPIFFE subjects in prod.test */
  wl: TestKey;
  /** RS256, human issuer, subjects user-<digits> */
  idp: TestKey;
  /** EdDSA, admin issuer, pins typ at+jwt */
  admin: TestKey;
  /** ES256 key nobody trusts, same kid as `wl` */
  rogue: TestKey;
}

/** Three issuers with inline keys, one per kind and algorithm family, on a frozen clock. */
export async function makeFixture(): Promise<Fixture> {
  const [wl, idp, admin, rogue] = await Promise.all([
    makeKey('ES256', 'wl-1'),
    makeKey('RS256', 'idp-1'),
    makeKey('EdDSA', 'admin-1'),
    makeKey('ES256', 'wl-1'),
  ]);
  const clock = frozenClock();
  const registry = createTrustRegistry(
    [
      issuer({ name: 'spire', issuer: WL_ISS, kind: 'workload', jwks: jwksOf(wl), algorithms: ['ES256', 'EdDSA'], spiffe_trust_domains: ['prod.test'] }),
      issuer({ name: 'idp', issuer: IDP_ISS, kind: 'human', jwks: jwksOf(idp), algorithms: ['RS256'], subject_patterns: ['user-[0-9]+'] }),
      issuer({ name: 'admins', issuer: ADMIN_ISS, kind: 'admin', jwks: jwksOf(admin), algorithms: ['EdDSA'], typ: 'at+jwt' }),
    ],
    { now: clock.now, clockSkewSeconds: SKEW, maxTokenBytes: MAX_TOKEN_BYTES },
  );
  return { clock, registry, wl, idp, admin, rogue };
}
