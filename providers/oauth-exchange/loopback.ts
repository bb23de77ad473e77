// oauth4webapi refuses plain http unless told otherwise (`allowInsecureRequests`). Tollgate
// allows that only for an authorization server on this machine (src/lib/loopback.ts).
import { isLoopbackHttp } from '../../src/lib/loopback.ts';

export { isLoopbackHttp };

/** https anywhere, http only on loopback. */
export function isAllowedEndpoint(value: string): boolean {
  const url = URL.parse(value);
  return url !== null && (url.protocol === 'https:' || isLoopbackHttp(url));
}

export const ENDPOINT_RULE = 'must be https (plain http only on loopback: 127.0.0.1, localhost, [::1])';
