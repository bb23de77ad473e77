import type { RegisterRoutes } from '../env.ts';
import { fingerprint } from '../../grants/fingerprint.ts';
import { looksLikeOurs, verifyGrantToken } from '../../grants/grant-token.ts';
import { revokeNow, settle } from '../../grants/revoke.ts';
import { OAuthError } from '../oauth-error.ts';
import { readForm } from '../read-body.ts';
import { storeCall } from '../../grants/store-call.ts';

/**
 * RFC 7009. Holding the token is the right to revoke it (it only ever takes power away), so no
 * client authentication is asked. Unknown, invalid and already-revoked tokens all answer 200.
 */
export const registerRevoke: RegisterRoutes = (app, deps) => {
  app.post('/oauth/revoke', async (c) => {
    const form = await readForm(c.req.raw, deps.config.server.limits.max_body_bytes);
    const token = form.get('token');
    if (!token) throw new OAuthError('invalid_request', 'token is required');
    if (token.length > deps.config.server.limits.max_token_bytes) return c.body(null, 200);
    const issuer = deps.config.server.issuer;
    let grantId: string | null = null;
    if (looksLikeOurs(token, issuer)) {
      // An expired token's grant is already dead; a bad signature names nothing we issued.
      grantId = (await verifyGrantToken(deps.keyring, issuer, token, deps.now()))?.grant_id ?? null;
    } else {
      // An upstream credential we handed out is found by its fingerprint.
      const fp = await fingerprint(token);
      grantId = (await storeCall(() => deps.store.getGrantByFingerprint(fp)))?.id ?? null;
    }
    if (grantId) {
      const revoked = await revokeNow(deps, { filter: { grant_ids: [grantId] }, reason: 'token revoked by holder (RFC 7009)', by: 'token-holder', requestId: c.get('requestId') });
      // RFC 7009 answers with an empty 200 either way; trying upstream now just shortens the window.
      await settle(deps, revoked);
    }
    return c.body(null, 200, { 'cache-control': 'no-store' });
  });
};
