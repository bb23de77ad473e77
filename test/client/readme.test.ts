import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as client from 'tollgate/client';

// The README's Client SDK example is what users copy: every name it imports from
// 'tollgate/client' must exist, and every SDK function it calls must be one of them.
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Client SDK'), readme.indexOf('## Audit'));
const code = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).join('\n');

describe('README Client SDK example', () => {
  it('imports only what tollgate/client exports', () => {
    const imports = [...code.matchAll(/import \{([^}]+)\} from 'tollgate\/client'/g)].flatMap((m) => m[1]!.split(',').map((n) => n.trim()));
    expect(imports.length).toBeGreaterThan(4);
    for (const name of imports) expect(client, name).toHaveProperty(name);
  });

  it('names in the prose are exported too', () => {
    for (const name of ['tollgateGateway', 'redeemCredential', 'sha256Digest', 'credentialSource']) {
      expect(section).toContain(`${name}(`);
      expect(client).toHaveProperty(name);
    }
  });
});
