import type { RegisterRoutes } from '../env.ts';
import { fingerprint } from '../../grants/fingerprint.ts';
import { looksLikeOurs, verifyGrantToken } from '../../grants/grant-token.ts';
import { revokeNow, settle } from '../../grants/revoke.ts';
import { parseForm, revokeForm } from '../../schemas/token.ts';
import { readForm } from '../../lib/read-body.ts';
import { mayRevoke, revocationClientAuthenticator } from '../revocation-client.ts';

/**
 * RFC 7009. The client authenticates (revocation-client.ts) and an agent ends only tokens issued
 * to it; gateways and admins may end any. A token that is unknown, invalid, already revoked or not
 * the caller's all answer the same empty 200, so the endpoint tells nobody whose a token is.
 */
export const registerRevoke: RegisterRoutes = (app, deps) => {
  const authenticate = revocationClientAuthenticator(deps);
  app.post('/oauth/revoke', async (c) => {
    const form = await readForm(c.req.raw, deps.config.server.limits.max_body_bytes);
    const client = await authenticate(c.req.raw, form);
    const { token } = parseForm(revokeForm, form);
    const done = () => c.body(null, 200, { 'cache-control': 'no-store' });
    if (token.length > deps.config.server.limits.max_token_bytes) return done();
    const issuer = deps.config.server.issuer;
    let grant: { id: string; agent: string } | null = null;
    if (looksLikeOurs(token, issuer)) {
      // An expired token's grant is already dead; a bad signature names nothing we issued.
      const claims = await verifyGrantToken(deps.keyring, issuer, token, deps.now());
      grant = claims ? { id: claims.grant_id, agent: claims.client_id } : null;
    } else {
      // An upstream credential we handed out is found by its fingerprint.
      const fp = await fingerprint(token);
      grant = (await deps.store.getGrantByFingerprint(fp)) ?? null;
    }
    if (!grant) return done();
    if (!mayRevoke(client, grant.agent)) {
      deps.log.log('warn', 'revocation refused: the token was not issued to the caller', { client: client.id, grant_id: grant.id, request_id: c.get('requestId') });
      return done();
    }
    const by = client.kind === 'agent' ? client.id : `${client.kind}:${client.id}`;
    const revoked = await revokeNow(deps, { filter: { grant_ids: [grant.id] }, reason: 'token revoked by its client (RFC 7009)', by, requestId: c.get('requestId') });
    // RFC 7009 answers with an empty 200 either way; trying upstream now just shortens the window.
    await settle(deps, revoked);
    return done();
  });
};
