import type { ServerOptions } from 'node:http';
import type { Config } from '../config/schema.ts';

export type ConnectionLimits = Config['server']['connections'];

/** How often Node looks for connections past their header or request timeout (its default is 30 s). */
const CHECK_INTERVAL_MS = 1000;

/**
 * Node's HTTP server options for the configured limits. Node's defaults let a client that
 * dribbles its headers (slowloris) hold a connection for up to a minute and more, and take as
 * many connections as it likes. Here: the headers must arrive within `headers_timeout`, the whole
 * request within `request_timeout` (a slow body is cut too; the response is not: approvals'
 * long polls and MCP streams take as long as they need), and an idle keep-alive connection
 * closes after `keep_alive_timeout`. Node answers a cut request with 408 and closes the socket.
 */
export function httpServerOptions(limits: ConnectionLimits): ServerOptions {
  const headersMs = limits.headers_timeout * 1000;
  return {
    headersTimeout: headersMs,
    // Node requires requestTimeout ≥ headersTimeout when both are set.
    requestTimeout: Math.max(limits.request_timeout * 1000, headersMs),
    keepAliveTimeout: limits.keep_alive_timeout * 1000,
    connectionsCheckingInterval: Math.min(CHECK_INTERVAL_MS, headersMs),
  };
}

/** Past `max` open connections, Node closes each new one at once; those already open are served. */
export function applyConnectionCap(server: { maxConnections: number }, limits: ConnectionLimits): void {
  server.maxConnections = limits.max;
}
