import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { configDefaults, defineConfig } from 'vitest/config';

// The workerd project runs offline: no request.cf download, no telemetry.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';
process.env.WRANGLER_SEND_METRICS ??= 'false';

// `tollgate` and `tollgate/client` resolve to the TypeScript sources in the checkout (the package's
// `tollgate-source` export condition); an installed package resolves them to the compiled dist/.
// The rest are vitest's own defaults for Node (Vite's server conditions without `module`).
const ssr = { resolve: { conditions: ['tollgate-source', 'node', 'development|production'] } };

/**
 * Two projects, one `vitest run`: `node` runs the Node tests; `workerd` runs test/workerd/ inside
 * the Workers runtime (a local D1 database bound as DB), where the Store contract suite runs
 * against the D1 store.
 */
export default defineConfig({
  test: {
    projects: [
      { ssr, test: { name: 'node', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/workerd/**'] } },
      // The main HTTP flows again, on PostgreSQL (DATABASE_URL, which .ci/run provides; without one
      // the project is left out). Files that reach into SQLite itself (its file, its triggers, a
      // second connection) stay in `node` only.
      ...(process.env.DATABASE_URL ? [{
        ssr,
        test: {
          name: 'postgres',
          include: ['test/http/**/*.test.ts', 'test/approvals/**/*.test.ts', 'test/signals/**/*.test.ts', 'test/gateway/**/*.test.ts', 'test/authzen/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/http/fail-closed.test.ts', 'test/http/maintenance.test.ts', 'test/gateway/read-cache.test.ts'],
          env: { TOLLGATE_TEST_STORE: 'postgres' },
        },
      }] : []),
      {
        plugins: [cloudflareTest({ miniflare: { compatibilityDate: '2026-11-01', compatibilityFlags: ['nodejs_compat'], d1Databases: ['DB'], r2Buckets: ['ARCHIVE'] } })],
        test: { name: 'workerd', include: ['test/workerd/**/*.test.ts'], testTimeout: 30_000 },
      },
    ],
  },
});
