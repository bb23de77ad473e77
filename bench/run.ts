// npm run bench: every figure is measured side by side in this one run and reported as a ratio.
import { writeFileSync } from 'node:fs';
import { benchCredentials } from './credentials.bench.ts';
import { benchExchange } from './exchange.bench.ts';
import { benchMassRevocation } from './mass-revocation.bench.ts';
import { benchProviders } from './providers.bench.ts';
import { benchWorkerBundle, benchWorkerExchange } from './worker.bench.ts';
import { benchSignals } from './signals.bench.ts';
import { benchMcp } from './mcp.bench.ts';
import { benchPostgres } from './postgres.bench.ts';
import { benchCli } from './cli.bench.ts';
import { benchAudit } from './audit.bench.ts';
import { benchSockets } from './sockets.bench.ts';
import { ensureBuilt } from './dev-process.ts';
import { setupAwsStsFixture } from '../test/providers/aws-sts-fixture.ts';
import { setupOAuthExchangeFixture } from '../test/providers/oauth-exchange-fixture.ts';
import { setupVaultFixture } from '../test/providers/vault-fixture.ts';

const quick = process.argv.includes('--quick');
ensureBuilt(); // the CLI and sockets figures are those of the compiled JavaScript a user installs
const results = {
  when: new Date().toISOString(),
  node: process.version,
  exchange: await benchExchange(quick ? 3 : 7, quick ? 300 : 1000),
  mass_revocation: await benchMassRevocation(quick ? 10_000 : 100_000),
  signals: await benchSignals(10_000),
  credentials: await benchCredentials(
    quick ? { rounds: 3, calls: 1000, inFlight: 16, latencyCalls: 2000, massCount: 10_000 } : { rounds: 7, calls: 4000, inFlight: 16, latencyCalls: 10_000, massCount: 100_000 },
  ),
  providers: await benchProviders(
    {
      'vault (token)': () => setupVaultFixture('token'),
      'vault (dynamic secret)': () => setupVaultFixture('dynamic'),
      'aws-sts': () => setupAwsStsFixture(),
      'oauth-exchange (delegation)': () => setupOAuthExchangeFixture(),
    },
    quick ? 100 : 400,
  ),
  mcp: await benchMcp(quick ? 3 : 5, quick ? 200 : 1000),
  sockets: await benchSockets(quick ? { rounds: 1, seconds: 3, connections: 32, exchangeTokens: 3000 } : { rounds: 3, seconds: 5, connections: 32, exchangeTokens: 6000 }),
  cli: await benchCli(quick ? 10 : 30),
  audit: await benchAudit({ calls: quick ? 5000 : 20_000 }),
  worker: { bundle: benchWorkerBundle(), exchange: await benchWorkerExchange(quick ? 3 : 5, quick ? 50 : 200) },
  postgres: await benchPostgres(
    quick ? { rounds: 3, calls: 1000, exchanges: 100, revocations: 200, massCount: 10_000 } : { rounds: 5, calls: 4000, exchanges: 300, revocations: 1000, massCount: 100_000 },
  ),
};
const pgr = 'skipped' in results.postgres ? null : results.postgres;
const goals = {
  'audit verify: 1M events <= 5 s (extrapolated from the sample)': results.audit.audit_verify_1m_s_extrapolated <= 5,
  'exchange <= 1.5x crypto floor': results.exchange.exchange_vs_crypto_floor <= 1.5,
  '100k dead on every path <= 500 ms': results.mass_revocation.dead_everywhere_ms <= 500,
  'no stall > 50 ms': results.mass_revocation.longest_stall_ms <= 50,
  'worker bundle fits the free plan (3 MB gzip)': results.worker.bundle.fits_free_plan,
  'signals: 10k dead on every path (session-revoked) <= 500 ms': results.signals['session-revoked'].dead_everywhere_ms <= 500,
  'signals: no stall > 50 ms (both signal paths)':
    results.signals['session-revoked'].longest_stall_ms <= 50 && results.signals['credential-change'].longest_stall_ms <= 50,
  'per-call >= 0.6x bare Hono': results.credentials.per_call_vs_bare_hono >= 0.6,
  'per-call p99 <= 250 us': results.credentials.p99_us <= 250,
  'per-call with quotas on >= 0.95x quotas off': results.credentials.per_call_quotas_on_vs_off >= 0.95,
  'per-call p99 during 100k revocation <= 2x baseline': results.credentials.during_revocation_p99_vs_baseline <= 2,
  'no stall > 50 ms during per-call + revocation': results.credentials.during_revocation_longest_stall_ms <= 50,
  ...(pgr
    ? {
        'postgres: per-call >= 0.5x sqlite (16 in flight)': pgr.per_call_postgres_vs_sqlite >= 0.5,
        'postgres: cross-node revocation p99 <= 100 ms': pgr.cross_node_revocation.p99_ms <= 100,
        'postgres: 100k dead everywhere <= 500 ms': pgr.mass_revocation.dead_everywhere_ms <= 500,
      }
    : {}),
  'over HTTP: per-call >= 0.3x bare Hono': results.sockets.per_call_vs_bare_hono >= 0.3,
  'over HTTP: per-call p99 <= 5 ms at 32 connections': results.sockets.per_call.p99_ms <= 5,
  'over HTTP: exchange <= 3x crypto floor (64 agents, decisions remembered)': results.sockets.exchange_vs_crypto_floor <= 3,
  'over HTTP: exchange <= 3x crypto floor (every agent new, a Cedar decision each)': results.sockets.exchange_new_agents_vs_crypto_floor <= 3,
  'tollgate --help <= 150 ms': results.cli.help_ms <= 150,
  'tollgate introspect <= 300 ms': results.cli.introspect_ms <= 300,
};
// The same hot paths in process and over real sockets, side by side.
const inProcessVsHttp = {
  per_call_vs_bare_hono: { in_process: results.credentials.per_call_vs_bare_hono, over_http: results.sockets.per_call_vs_bare_hono, over_http_by_cpu: results.sockets.per_call_vs_bare_hono_by_cpu },
  per_call_p99_ms: { in_process: results.credentials.p99_us / 1000, over_http: results.sockets.per_call.p99_ms },
  exchange_cpu_us: { in_process: results.exchange.exchange_cpu_us, over_http: results.sockets.exchange.cpu_us_per_request },
  exchange_vs_crypto_floor: { in_process: results.exchange.exchange_vs_crypto_floor, over_http: results.sockets.exchange_vs_crypto_floor, over_http_new_agents: results.sockets.exchange_new_agents_vs_crypto_floor },
};
const report = { ...results, in_process_vs_http: inProcessVsHttp, goals };
console.log(JSON.stringify(report, null, 2));
console.log(`\n${Object.entries(goals).map(([goal, met]) => `${met ? 'met    ' : 'NOT met'}  ${goal}`).join('\n')}`);
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(report, null, 2) + '\n');
