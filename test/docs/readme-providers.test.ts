import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';
import { parse } from 'yaml';
import { createLogger } from '../../src/log.ts';
import { nodeProviderFactories } from '../../src/node/provider-factories.ts';
import type { ProviderContext } from '../../providers/build-providers.ts';
import type { ResourceConfig } from '../../src/config/schema.ts';

// The README's provider examples are configuration users will copy: each must be accepted by its
// provider's factory and catalog checks (start-up, which needs the real upstream, is not run).
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Providers'), readme.indexOf('## Policy'));
const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README provider examples', () => {
  it('has one per upstream provider', () => {
    expect(blocks).toHaveLength(3);
  });

  it.each(blocks.map((b, i) => [i, b] as const))('example %i is accepted by its provider', async (_i, block) => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const env: Record<string, string> = {
      VAULT_ROLE_ID: 'role-id',
      VAULT_SECRET_ID: 'secret-id',
      TOLLGATE_AS_JWK: JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'k1', alg: 'ES256' }),
    };
    const doc = parse(block.replace(/\$\{(\w+)\}/g, (_, n: string) => env[n]!.replace(/"/g, '\\"'))) as {
      providers: Record<string, { type: string }>;
      resources: (Omit<ResourceConfig, 'classification'> & { classification?: string })[];
    };
    const ctx = { log: createLogger(() => {}), now: Date.now, sealKey: null, keyring: null, issuer: 'https://tollgate.test', grantTokenAudience: 'x' } as unknown as ProviderContext;
    for (const [name, raw] of Object.entries(doc.providers)) {
      const provider = await nodeProviderFactories[raw.type]!(name, raw, ctx);
      for (const r of doc.resources.filter((r) => r.provider === name)) {
        expect(() => provider.checkResource?.({ ...r, classification: r.classification ?? 'internal' })).not.toThrow();
      }
      await provider.stop?.();
    }
  });
});
