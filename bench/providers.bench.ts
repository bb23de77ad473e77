import { TOKEN_TYPE } from '../providers/token-types.ts';
import { exchangeHarness, exchangeParams, type ContractFixture } from '../test/providers/fixture.ts';

/**
 * Exchange throughput per provider against its local upstream, as a ratio to the grant-token
 * provider measured in the same harness and the same run: the same resource, asked once for a
 * Tollgate grant token and once for the upstream credential itself. The local upstream runs in
 * this process, so its own work counts against the provider: the ratios are pessimistic.
 */
export async function benchProviders(fixtures: Record<string, () => Promise<ContractFixture>>, n: number, concurrency = 8) {
  const out: Record<string, { grant_token_per_s: number; upstream_per_s: number; upstream_vs_grant_token: number }> = {};
  for (const [name, setup] of Object.entries(fixtures)) {
    const f = await setup();
    const h = await exchangeHarness(f, { quotas: false });
    try {
      const upstream = async () => {
        const res = await h.exchange(await exchangeParams(h, f));
        if (res.status !== 200) throw new Error(`${name}: exchange answered ${res.status}: ${await res.text()}`);
      };
      const handle = async () => {
        const res = await h.exchange({ ...(await exchangeParams(h, f)), requested_token_type: TOKEN_TYPE.jwt });
        if (res.status !== 200) throw new Error(`${name}: grant-token exchange answered ${res.status}`);
      };
      await rate(upstream, 50, concurrency); // warm up both paths
      await rate(handle, 50, concurrency);
      const a: number[] = [];
      const b: number[] = [];
      for (let r = 0; r < 3; r++) {
        a.push(await rate(handle, n, concurrency));
        b.push(await rate(upstream, n, concurrency));
      }
      const med = (v: number[]) => [...v].sort((x, y) => x - y)[1]!;
      out[name] = { grant_token_per_s: Math.round(med(a)), upstream_per_s: Math.round(med(b)), upstream_vs_grant_token: Math.round((med(b) / med(a)) * 100) / 100 };
    } finally {
      await h.deps.store.close();
      await f.teardown();
    }
  }
  return out;
}

/** Completed calls per second with `concurrency` in flight. */
async function rate(fn: () => Promise<void>, n: number, concurrency: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        await fn();
      }
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}
