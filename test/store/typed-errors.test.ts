import { describe, expect, it } from 'vitest';
import { draft } from '../../src/audit/event.ts';
import { OAuthError } from '../../src/lib/oauth-error.ts';
import { httpErrorOf } from '../../src/store/http-error.ts';
import { GrantRefused, StoreRefused, StoreUnavailable } from '../../src/store/store-errors.ts';
import type { Store } from '../../src/store/store.ts';
import { withTypedErrors } from '../../src/store/typed-errors.ts';
import { tempStore } from './fixtures.ts';

// Whatever an engine throws reaches callers typed, and becomes an HTTP answer in one place.
describe('typed store errors', () => {
  it('an engine failure is StoreUnavailable (retry when transient); refusals stay what they are; the engine works through it', async () => {
    const t = tempStore();
    try {
      const store = withTypedErrors(t.store);
      const e = await store.appendAudit(draft('exchange.denied', 1, {}));
      expect(e.seq).toBe(1);
      expect((store as unknown as { db: unknown }).db).toBe(t.store.db); // getters reach the engine's private state
      await expect(store.listGrants({}, 10, 'not-a-cursor')).rejects.toBeInstanceOf(StoreRefused);
      t.store.db.exec(`CREATE TRIGGER full BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
      const failed = await store.appendAudit(draft('exchange.denied', 2, {})).catch((x: unknown) => x);
      expect(failed).toBeInstanceOf(StoreUnavailable);
      expect((failed as StoreUnavailable).retry).toBe(false);
      expect((failed as Error).message).toMatch(/disk is full/);
      // The caller's own code inside runAlone is not the store's: its error passes as it is.
      await expect(store.runAlone('x', async () => { throw new TypeError('caller bug'); })).rejects.toBeInstanceOf(TypeError);
    } finally {
      await t.cleanup();
    }
    const busy = withTypedErrors({ ping: async () => { throw Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }); }, createGrant: async () => { throw new GrantRefused('blocked'); } } as unknown as Store);
    expect(((await busy.ping().catch((x: unknown) => x)) as StoreUnavailable).retry).toBe(true);
    await expect(busy.createGrant({} as never, {} as never)).rejects.toBeInstanceOf(GrantRefused);
  });

  it('maps to HTTP once: unavailable → 503 without the cause in the answer, refused cursor → 400, anything else is no answer', async () => {
    const down = httpErrorOf(new StoreUnavailable(true, new Error('connect ECONNREFUSED 10.0.0.5:5432')))!;
    expect(down).toMatchObject({ code: 'temporarily_unavailable', status: 503, message: 'store unavailable' });
    expect(JSON.stringify(await down.toResponse().json())).not.toContain('10.0.0.5');
    expect(httpErrorOf(new StoreRefused('malformed grant cursor'))).toMatchObject({ code: 'invalid_request', status: 400 });
    const own = new OAuthError('access_denied', 'no');
    expect(httpErrorOf(own)).toBe(own);
    expect(httpErrorOf(new TypeError('bug'))).toBeNull();
  });
});
