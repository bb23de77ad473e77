import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mcpHarness, UPSTREAM_CREDENTIALS } from '../test/mcp/support.ts';
import { median } from './measure.ts';

/**
 * Per-call overhead of the MCP gateway: the same `tools/call` (reports_get, a read) made by an
 * SDK Client through Tollgate's `/mcp/{server}` (token check, grant liveness, catalog, RFC 8785
 * digest, the per-call decision with its audit event, credential from cache, SDK client upstream)
 * and straight to the upstream (an SDK McpServer over a loopback socket) with the credential the
 * gateway would inject. Interleaved rounds of sequential calls; per-call wall time, p50 and p99.
 */
export async function benchMcp(rounds: number, calls: number) {
  const m = await mcpHarness();
  m.h.clock.now = Date.now();
  const tick = setInterval(() => (m.h.clock.now = Date.now()), 50);
  try {
    const token = await m.grantToken({ scope: 'read', task: 'task-bench' });
    const through = new Client({ name: 'bench', version: '1' });
    await through.connect(new StreamableHTTPClientTransport(new URL('https://tollgate.test/mcp/reports'), { fetch: m.fetch, requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const direct = new Client({ name: 'bench', version: '1' });
    await direct.connect(new StreamableHTTPClientTransport(new URL(m.upstream.url), { requestInit: { headers: { authorization: `Bearer ${UPSTREAM_CREDENTIALS.read}` } } }));
    const call = (c: Client) => async () => {
      const r = await c.callTool({ name: 'reports_get', arguments: { id: 'q3' } });
      if (r.isError) throw new Error('bench call refused');
    };
    const candidates = { gateway: call(through), direct: call(direct) };
    const samples: Record<string, number[]> = { gateway: [], direct: [] };
    for (const fn of Object.values(candidates)) for (let i = 0; i < 100; i++) await fn(); // warm up
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of Object.entries(candidates)) {
        for (let i = 0; i < calls; i++) {
          const t0 = performance.now();
          await fn();
          samples[name]!.push(performance.now() - t0);
        }
        m.upstream.seen.length = 0;
        m.upstream.ran.length = 0;
      }
    }
    const p = (v: number[], q: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * q))]!;
    const out = {
      calls_each: rounds * calls,
      gateway_p50_ms: round(median(samples.gateway!)),
      gateway_p99_ms: round(p(samples.gateway!, 0.99)),
      direct_p50_ms: round(median(samples.direct!)),
      direct_p99_ms: round(p(samples.direct!, 0.99)),
      overhead_p50_ms: round(median(samples.gateway!) - median(samples.direct!)),
      gateway_vs_direct_p50: round(median(samples.gateway!) / median(samples.direct!)),
    };
    await through.close();
    await direct.close();
    return out;
  } finally {
    clearInterval(tick);
    await m.close();
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
