import { describe, expect, it } from 'vitest';
import { harness, type Harness } from '../support/harness.ts';
import { sweepExpired } from '../../src/grants/maintenance.ts';
import { runRevocationJobs } from '../../src/grants/revocation-worker.ts';
import type { Provider } from '../../providers/provider.ts';
import { TOKEN_TYPE } from '../../providers/token-types.ts';
import { leasingProvider as leasing } from '../support/fake-providers.ts';

const leasingProvider = (state: { down: boolean; revoked: string[] }) => leasing(state, 'secrets');

const SECRET = { requested_token_type: TOKEN_TYPE.secret, scope: 'demo:db:read' };

function useProvider(h: Harness, p: Provider) {
  (h.deps.providers as Map<string, Provider>).set('secrets', p);
}

async function events(h: Harness) {
  return (await (await h.adminRequest('/v1/audit?after=0&limit=10000')).text()).trim().split('\n').map((l) => JSON.parse(l));
}

describe('expiry sweeper', () => {
  it('marks grants past their lease expired, each with an event', async () => {
    const h = await harness();
    const res = await (await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read', requested_ttl: '60' })).json();
    expect(await sweepExpired(h.deps)).toBe(0);
    h.clock.now += 61_000;
    expect(await sweepExpired(h.deps)).toBe(1);
    expect((await (await h.adminRequest(`/v1/grants/${res.grant_id}`)).json()).status).toBe('expired');
    expect((await events(h)).filter((e) => e.type === 'grant.expired').map((e) => e.grant_id)).toEqual([res.grant_id]);
  });
});

describe('credentials that outlive their grant', () => {
  it('are recorded with their real expiry and revoked upstream when the grant expires', async () => {
    const state = { down: false, revoked: [] as string[] };
    const h = await harness();
    const p = leasingProvider(state);
    // An upstream that will not issue shorter than ten minutes past the grant.
    useProvider(h, { ...p, issue: async (req) => ({ ...(await p.issue(req)), expiresAt: req.expiresAt + 600_000 }) });
    const body = await (await h.exchange({ subject_token: await h.agentToken(), ...SECRET, requested_ttl: '60' })).json();
    const grant = await (await h.adminRequest(`/v1/grants/${body.grant_id}`)).json();
    expect(Date.parse(grant.expires_at)).toBeLessThanOrEqual(h.clock.now + 60_000);
    expect(Date.parse(grant.credential_expires_at) - Date.parse(grant.expires_at)).toBe(600_000);
    expect(await h.deps.store.dueJobs(h.clock.now + 3_600_000, 10)).toEqual([]);
    h.clock.now += 61_000;
    expect(await sweepExpired(h.deps)).toBe(1);
    expect(await runRevocationJobs(h.deps)).toEqual({ done: 1, failed: 0 });
    expect(state.revoked).toEqual(['lease-1']);
  });
});

describe('upstream revocation jobs', () => {
  it('retry with backoff while the upstream is down, survive a restart, and finish once it is back', async () => {
    const state = { down: true, revoked: [] as string[] };
    const h = await harness();
    useProvider(h, leasingProvider(state));
    const body = await (await h.exchange({ subject_token: await h.agentToken(), ...SECRET })).json();
    expect(body.access_token).toMatch(/^upstream-1-/);
    // RFC 7009 with the upstream credential itself: found by fingerprint, marked, job queued.
    expect((await h.form('/oauth/revoke', { token: body.access_token }, { authorization: `Bearer ${await h.agentToken()}` })).status).toBe(200);
    expect((await (await h.adminRequest(`/v1/grants/${body.grant_id}`)).json()).status).toBe('revoked');

    // The revoke call already tried once (and failed); the job now backs off.
    expect((await h.deps.store.dueJobs(h.clock.now + 3_600_000, 10))[0]).toMatchObject({ attempts: 1 });
    expect(await runRevocationJobs(h.deps)).toEqual({ done: 0, failed: 0 }); // backing off: not due yet
    h.clock.now += 1_500;
    expect(await runRevocationJobs(h.deps)).toEqual({ done: 0, failed: 1 });
    const [job] = await h.deps.store.dueJobs(h.clock.now + 3_600_000, 10);
    expect(job).toMatchObject({ grant_id: body.grant_id, lease: 'lease-1', attempts: 2, last_error: 'upstream unreachable' });
    expect(job!.next_attempt_at - h.clock.now).toBeGreaterThanOrEqual(1_000); // 2^2 s, halved at most by jitter
    await h.deps.store.close();

    // A new process on the same database: the job is still there.
    state.down = false;
    const h2 = await harness({ dir: h.dir });
    useProvider(h2, leasingProvider(state));
    h2.clock.now = h.clock.now + 10_000;
    expect(await runRevocationJobs(h2.deps)).toEqual({ done: 1, failed: 0 });
    expect(state.revoked).toEqual(['lease-1']);
    expect(await h2.deps.store.dueJobs(h2.clock.now + 3_600_000, 10)).toEqual([]);
    const upstream = (await events(h2)).filter((e) => e.type === 'revocation.upstream');
    expect(upstream).toHaveLength(1);
    expect(upstream[0]).toMatchObject({ grant_id: body.grant_id, reason: 'revoked' });
  });

  it('settle grants of providers that cannot revoke as expiring', async () => {
    const h = await harness();
    const body = await (await h.exchange({ subject_token: await h.agentToken(), ...SECRET })).json();
    await h.form('/oauth/revoke', { token: body.access_token }, { authorization: `Bearer ${await h.agentToken()}` });
    // sealed-secret keeps no lease: nothing upstream to call, so no job at all.
    expect(await h.deps.store.dueJobs(h.clock.now + 1, 10)).toEqual([]);
  });
});

describe('signing key rotation', () => {
  it('keeps tokens signed by the previous key valid while it stays published', async () => {
    const h = await harness();
    const body = await (await h.exchange({ subject_token: await h.agentToken(), scope: 'demo:reports:read' })).json();
    const oldKey = (h.deps.config.signing.keys[0]!.private_jwk)!;
    await h.deps.store.close();
    const { privateSigningJwk } = await import('../support/keys.ts');
    const newKey = JSON.stringify(await privateSigningJwk('sig-2'));
    const h2 = await harness({
      dir: h.dir,
      configPatch: (c) => {
        c.signing.keys = [
          { kid: 'sig-2', alg: 'ES256', private_jwk: newKey },
          { kid: 'sig-1', alg: 'ES256', private_jwk: oldKey },
        ];
      },
    });
    // the same database: the grant made under sig-1 is still there
    h2.clock.now = h.clock.now;
    const jwks = await (await h2.app.request('/.well-known/jwks.json')).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual(['sig-2', 'sig-1']);
    const intro = await (await h2.adminRequest('/oauth/introspect', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: body.access_token }).toString() })).json();
    expect(intro).toMatchObject({ active: true, grant_id: body.grant_id });
    const fresh = await (await h2.exchange({ subject_token: await h2.agentToken(), scope: 'demo:reports:read' })).json();
    expect(JSON.parse(Buffer.from(fresh.access_token.split('.')[0], 'base64url').toString()).kid).toBe('sig-2');
  });
});
