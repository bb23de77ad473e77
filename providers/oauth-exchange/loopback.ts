// oauth4webapi refuses plain http unless told otherwise (`allowInsecureRequests`). Tollgate
// allows that only for an authorization server on this machine (local development and the test
// upstream); anywhere else a bearer token and a client secret would cross the network in clear.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** https anywhere, http only on loopback. */
export function isAllowedEndpoint(value: string): boolean {
  const url = URL.parse(value);
  return url !== null && (url.protocol === 'https:' || isLoopbackHttp(url));
}

export const ENDPOINT_RULE = 'must be https (plain http only on loopback: 127.0.0.1, localhost, [::1])';
