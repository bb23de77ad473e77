// Plain http is allowed only on this machine (local development, test servers): anywhere else
// tokens, client secrets and session cookies would cross the network in clear.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}
