import type { RegisterRoutes } from '../env.ts';
import { receiveSignal } from '../../signals/handle-signal.ts';
import { SetError } from '../../signals/set-error.ts';
import { readBodyText } from '../../lib/read-body.ts';

const SET_MEDIA_TYPE = 'application/secevent+jwt';

/**
 * RFC 8935 push delivery of Security Event Tokens from trusted transmitters (issuers of kind
 * `signals`). The SET's signature is what authenticates the transmitter. 202 once every effect is
 * recorded (revoked grants are dead on every path by then); 400 `{err, description}` otherwise.
 */
export const registerSignals: RegisterRoutes = (app, deps) => {
  app.post('/v1/signals', async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== SET_MEDIA_TYPE) return new SetError('invalid_request', `content-type must be ${SET_MEDIA_TYPE}`).toResponse();
    const token = (await readBodyText(c.req.raw, deps.config.server.limits.max_token_bytes)).trim();
    try {
      await receiveSignal(deps, token, c.get('requestId'));
    } catch (e) {
      if (e instanceof SetError) return e.toResponse();
      throw e;
    }
    return c.body(null, 202);
  });
};
