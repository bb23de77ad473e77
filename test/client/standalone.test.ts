import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The client is a library for agents and gateways on any runtime: it imports only its own files
// and types of hono and of the MCP SDK (for an MCP client's auth layer), never Node built-ins or
// the server's internals.
const DIR = new URL('../../src/client/', import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));

describe('src/client stands alone', () => {
  it.each(files)('%s imports only ./*.ts and hono or MCP SDK types', (file) => {
    const text = readFileSync(new URL(file, DIR), 'utf8');
    const specifiers = [...text.matchAll(/\b(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?'([^']+)'/g)].map((m) => ({ typeOnly: Boolean(m[2]), spec: m[3]! }));
    for (const { typeOnly, spec } of specifiers) {
      if (spec === 'hono' || spec.startsWith('@modelcontextprotocol/sdk/')) expect(typeOnly, `${file}: ${spec} is imported for types only`).toBe(true);
      else expect(spec, file).toMatch(/^\.\/[a-z-]+\.ts$/);
    }
    expect(text).not.toMatch(/\brequire\(|\bimport\(|\bprocess\.|\bBuffer\b/);
  });
});
