import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grant } from '../../src/model/grant.ts';
import { ProviderError } from '../../providers/provider.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { exchangeHarness, exchangeParams, grantFor, type ContractFixture, type ContractSubject, type Fault } from './fixture.ts';

export type { ContractFixture, ContractSubject, Fault } from './fixture.ts';
export { exchangeHarness, exchangeParams, grantFor } from './fixture.ts';

/**
 * The one suite every provider passes: issued expiry <= requested; revoke is idempotent; revoke of
 * an unknown lease succeeds; an upstream timeout or 5xx is retryable and the grant is not
 * activated; a 4xx is permanent; no secret appears in errors or logs.
 */
export function providerContract(subject: ContractSubject): void {
  describe(`provider contract: ${subject.name}`, () => {
    let f: ContractFixture;
    beforeAll(async () => {
      f = await subject.setup();
    }, 60_000);
    afterAll(async () => {
      await f?.teardown();
    });

    const issue = async (ttlMs = 15 * 60_000) => {
      const grant = grantFor(f.resource, f.actions, ttlMs);
      const subjectToken = f.humanIssuer ? await f.humanIssuer.mint('alice') : null;
      const c = await f.provider.issue({ grant, resource: f.resource, actions: f.actions, expiresAt: grant.expires_at, signal: AbortSignal.timeout(subject.timeoutMs ?? 10_000), subjectToken });
      return { grant, c };
    };

    it('issues a credential that expires no later than asked', async () => {
      f.fault('none');
      const before = Date.now();
      const { grant, c } = await issue(20 * 60_000);
      expect(c.token.length).toBeGreaterThan(0);
      expect(c.expiresAt).toBeLessThanOrEqual(grant.expires_at);
      expect(c.expiresAt).toBeGreaterThan(before);
      if (f.isLive) expect(await f.isLive(c)).toBe(true);
    });

    if (subject.revocable) {
      it('revokes idempotently', async () => {
        f.fault('none');
        const { grant, c } = await issue();
        expect(f.provider.revoke).toBeTypeOf('function');
        await f.provider.revoke!(c.lease, grant);
        if (f.isLive) expect(await f.isLive(c)).toBe(false);
        await expect(f.provider.revoke!(c.lease, grant)).resolves.toBeUndefined();
        if (f.isLive) expect(await f.isLive(c)).toBe(false);
      });

      it('revokes an unknown lease (or none) as success', async () => {
        f.fault('none');
        const grant = grantFor(f.resource, f.actions);
        await expect(f.provider.revoke!('unknown-lease-' + grant.id, grant)).resolves.toBeUndefined();
        await expect(f.provider.revoke!(null, grant)).resolves.toBeUndefined();
      });
    } else {
      // Nothing upstream to call: revoking its grant through Tollgate must say so in the receipt
      // (or, for a grant token, that every Tollgate path now refuses it), never claim more.
      it('has no revoke, and a revoked grant of it has an honest receipt', async () => {
        expect(f.provider.revoke).toBeUndefined();
        const h = await exchangeHarness(f);
        try {
          f.fault('none');
          const issued = await (await h.exchange(await exchangeParams(h, f))).json();
          const done = await (await h.adminRequest('/v1/tasks/task-1/complete', { method: 'POST' })).json();
          const [receipt, ...more] = done.revoked;
          expect(more).toEqual([]);
          expect(receipt.grant_id).toBe(issued.grant_id);
          if (f.requestedTokenType === TOKEN_TYPE.jwt) expect(receipt.status).toBe('revoked');
          else expect(receipt).toMatchObject({ status: 'expires_at', expires_at: f.provider.isStatic?.(f.resource.id) ? null : expect.any(String) });
          const grant = await (await h.adminRequest(`/v1/grants/${issued.grant_id}`)).json();
          expect(grant.status).toBe('revoked');
        } finally {
          await h.deps.store.close();
        }
      });
    }

    it('through POST /oauth/token: issues the upstream credential and records its real expiry', async () => {
      const h = await exchangeHarness(f);
      try {
        f.fault('none');
        const res = await h.exchange(await exchangeParams(h, f));
        const body = await res.json();
        expect(res.status, JSON.stringify(body)).toBe(200);
        const grant = await (await h.adminRequest(`/v1/grants/${body.grant_id}`)).json();
        expect(grant.status).toBe('active');
        expect(Date.parse(grant.expires_at)).toBeLessThanOrEqual(h.clock.now + 3600_000);
        const audit = await (await h.adminRequest('/v1/audit?after=0')).text();
        expectNoSecret(audit, [...f.secrets(), body.access_token, ...Object.values((body.credential ?? {}) as Record<string, string>)]);
      } finally {
        await h.deps.store.close();
      }
    });

    if (subject.hasUpstream) {

      it.each([['timeout'], ['5xx']] as [Fault][])('an upstream %s is a retryable error', async (kind) => {
        f.fault(kind);
        try {
          const err = await issue().then(
            () => null,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(ProviderError);
          expect((err as ProviderError).retryable).toBe(true);
          expectNoSecret(String((err as Error).message), f.secrets());
        } finally {
          f.fault('none');
        }
      }, 30_000);

      it('an upstream 4xx is a permanent error', async () => {
        f.fault('4xx');
        try {
          const err = await issue().then(
            () => null,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(ProviderError);
          expect((err as ProviderError).retryable).toBe(false);
          expectNoSecret(String((err as Error).message), f.secrets());
        } finally {
          f.fault('none');
        }
      });

      it('through POST /oauth/token: a failing upstream answers 503, nothing is activated, no secret leaks', async () => {
        const h = await exchangeHarness(f);
        f.fault('5xx');
        try {
          const res = await h.exchange(await exchangeParams(h, f));
          const text = await res.text();
          expect(res.status, text).toBe(503);
          expectNoSecret(text, f.secrets());
          const page = await (await h.adminRequest('/v1/grants')).json();
          expect(page.grants.map((g: Grant) => g.status)).toEqual(['failed']);
        } finally {
          f.fault('none');
          await h.deps.store.close();
        }
      }, 30_000);
    }

    it('never logs a secret', () => {
      for (const line of f.logs()) expectNoSecret(line, f.secrets());
    });
  });
}

export function expectNoSecret(text: string, secrets: string[]): void {
  for (const s of secrets) if (s && s.length >= 6) expect(text, 'a secret leaked').not.toContain(s);
}
