import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as web from '@cedar-policy/cedar-wasm/web';
import { loadPolicies } from '../../src/policy/engine.ts';
import { cedar, devPolicies, request, schemaText } from './fixtures.ts';

// Workers use Cedar's `web` build (initialised from the bundled wasm module, as src/worker does);
// Node uses the `nodejs` build. The same policies must decide the same way on both.
describe("Cedar's web build, as the Worker initialises it", () => {
  it('decides exactly as the Node build', () => {
    const bytes = readFileSync(new URL('../../node_modules/@cedar-policy/cedar-wasm/web/cedar_wasm_bg.wasm', import.meta.url));
    web.initSync({ module: new WebAssembly.Module(bytes) });
    const onWeb = loadPolicies(web, schemaText, [devPolicies]);
    const onNode = loadPolicies(cedar, schemaText, [devPolicies]);
    const cases = [
      request(),
      request({ action: 'write' }),
      request({ action: 'delete' }),
      request({ action: 'admin' }),
      request({ agent: { risk: 'high' } }),
      request({ resource: { classification: 'restricted' } }),
      request({ principal: { id: 'https://idp.example#alice', risk: 'low' }, context: { delegation_depth: 3 } }),
    ];
    for (const r of cases) expect(onWeb.decide(r)).toEqual(onNode.decide(r));
    expect(onWeb.decide(request({ action: 'delete' }))).toMatchObject({ decision: 'allow', approval: 'owner', maxTtl: 300 });
  });
});
