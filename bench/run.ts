// npm run bench: every figure is measured side by side in this one run and reported as a ratio.
import { writeFileSync } from 'node:fs';
import { benchCredentials } from './credentials.bench.ts';
import { benchExchange } from './exchange.bench.ts';
import { benchMassRevocation } from './mass-revocation.bench.ts';
import { benchProviders } from './providers.bench.ts';
import { benchWorkerBundle, benchWorkerExchange } from './worker.bench.ts';
import { benchSignals } from './signals.bench.ts';
import { benchMcp } from './mcp.bench.ts';
import { setupAwsStsFixture } from '../test/providers/aws-sts-fixture.ts';
import { setupOAuthExchangeFixture } from '../test/providers/oauth-exchange-fixture.ts';
import { setupVaultFixture } from '../test/providers/vault-fixture.ts';

const quick = process.argv.includes('--quick');
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
  worker: { bundle: benchWorkerBundle(), exchange: await benchWorkerExchange(quick ? 3 : 5, quick ? 50 : 200) },
};
const goals = {
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
};
console.log(JSON.stringify({ ...results, goals }, null, 2));
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify({ ...results, goals }, null, 2) + '\n');
