import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'node', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/workerd/**'] } },
      {
        plugins: [cloudflareTest({ miniflare: { compatibilityDate: '2026-11-01', compatibilityFlags: ['nodejs_compat'], d1Databases: ['DB'] } })],
        test: { name: 'workerd', include: ['test/workerd/**/*.test.ts'], testTimeout: 30_000 },
      },
    ],
  },
});
