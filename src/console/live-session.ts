import type { Deps } from '../deps.ts';
import { verifySession, type Session } from './session.ts';

/** The session a cookie carries, if it is valid and still live. */
export async function currentSession(deps: Deps, cookie: string | undefined): Promise<Session | null> {
  return liveSession(deps, await verifySession(deps, cookie));
}

/**
 * A person's session ends with their identity provider's: once a signal revoked their sessions
 * (risk: identity tokens issued before an instant are refused), a console session from before
 * that instant is refused too, as their tokens are. One read by primary key per page.
 */
export async function liveSession(deps: Deps, session: Session | null): Promise<Session | null> {
  if (!session?.viewer.human) return session;
  const recorded = await deps.store.riskLevels('', session.viewer.id);
  const notBefore = recorded.principal_not_before ?? null;
  return notBefore !== null && session.issuedAt < notBefore ? null : session;
}

