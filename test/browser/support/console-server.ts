import { sha256Hex } from '../../../src/lib/digest.ts';
import { startServer, type RunningServer } from '../../../src/node/server.ts';
import { freePort } from '../../support/free-port.ts';
import { harness, type Harness } from '../../support/harness.ts';
import { startSingleSignOn, type SingleSignOn } from './sso.ts';

export const GATEWAY_KEY = 'tgw_console-browser-test-gateway-key-0123';

export interface ConsoleServer {
  /** http://127.0.0.1:PORT: the issuer, the API and the console */
  url: string;
  h: Harness;
  sso: SingleSignOn;
  server: RunningServer;
  /** a person's subject as approvals and audit events name them */
  person(login: string): string;
  close(): Promise<void>;
}

/**
 * A real Tollgate on a loopback port (the harness's config, SQLite file and keys, served by the
 * Node server), with the console signing people in at a real OpenID provider. team-a (the test
 * agents' owner) is alice at that provider; console admins sign in with the bootstrap admin key.
 */
export async function startConsoleServer(): Promise<ConsoleServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sso = await startSingleSignOn(`${url}/console/callback`);
  const person = (login: string) => `${sso.issuer}#${login}`;
  const gatewayHash = await sha256Hex(GATEWAY_KEY);
  const h = await harness({
    configPatch: (c) => {
      c.server.issuer = url;
      c.trust.gateway_key_hashes = [gatewayHash];
      c.trust.issuers.push({ name: 'sso', issuer: sso.issuer, kind: 'human', jwks_uri: `${sso.issuer}/jwks`, audiences: [sso.client.client_id], algorithms: ['RS256'] });
      c.console = { oidc: { issuer: 'sso', client_id: sso.client.client_id, client_secret: sso.client.client_secret, label: 'Sign in with SSO' } };
      c.approvals = { groups: { 'team-a': [person('alice')] } };
    },
  });
  // The server and the browser share the real clock: sessions, ID tokens and approvals expire as they would.
  Object.defineProperty(h.clock, 'now', { get: () => Date.now() });
  const server = await startServer(h.deps, { port, host: '127.0.0.1' });
  return {
    url,
    h,
    sso,
    server,
    person,
    async close() {
      await server.stop();
      await sso.close();
    },
  };
}
