// A stdio MCP server for the gateway tests: started by Tollgate per grant and action with the
// per-call credential in TOLLGATE_TEST_CREDENTIAL. It refuses to start without one, and its tool
// answers with its pid and a digest of the credential it was given (never the credential).
import { createHash } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const credential = process.env.TOLLGATE_TEST_CREDENTIAL;
if (!credential) {
  process.stderr.write('no credential in the environment\n');
  process.exit(3);
}
const server = new McpServer({ name: 'stdio-upstream', version: '1.0.0' });
server.registerTool('whoami', { description: 'pid and credential digest' }, async () => ({
  content: [{ type: 'text', text: JSON.stringify({ pid: process.pid, credential_sha256: createHash('sha256').update(credential).digest('hex'), env_keys: Object.keys(process.env).sort() }) }],
}));
await server.connect(new StdioServerTransport());
