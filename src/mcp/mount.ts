import type { Hono } from 'hono';
import type { McpGateway } from './mcp-gateway.ts';

/** The gateway's two routes on a Hono app: `/mcp/{server}` and its RFC 9728 metadata. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mountMcp(app: Hono<any>, gateway: McpGateway, requestId: (req: Request, vars: { get(k: string): unknown }) => string): void {
  app.get('/.well-known/oauth-protected-resource/mcp/:server', (c) => {
    const m = gateway.metadata(c.req.param('server'));
    return m ? c.json(m, 200, { 'cache-control': 'public, max-age=300' }) : c.json({ error: 'not_found', error_description: 'no such MCP server' }, 404);
  });
  app.all('/mcp/:server', (c) => gateway.handle(c.req.raw, c.req.param('server'), requestId(c.req.raw, c)));
}
