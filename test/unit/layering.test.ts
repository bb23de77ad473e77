import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layering the code keeps: routes (http, console, mcp, authzen) → flows (exchange, per-call)
// → schemas → domain (grants, approvals, risk, signals, policy, identity, audit) → store →
// model, lib. A folder of src/ never imports (a value, at run time) from a folder that imports
// it back, directly or through others: the folders' import graph has no cycle.
const SRC = resolve(new URL('../../src', import.meta.url).pathname);
const IMPORT = /^import(?!\s+type\b)[^'"]*from\s+['"](\.[^'"]+)['"]/gm;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

const folder = (p: string) => {
  const parts = relative(SRC, p).split('/');
  return parts.length > 1 ? parts[0]! : '(src)';
};

/** Folder → folders it imports from, each with one import that shows it. */
function graph(): Map<string, Map<string, string>> {
  const g = new Map<string, Map<string, string>>();
  for (const f of files(SRC)) {
    for (const m of readFileSync(f, 'utf8').matchAll(IMPORT)) {
      const target = resolve(dirname(f), m[1]!);
      if (!target.startsWith(SRC + '/')) continue;
      const [a, b] = [folder(f), folder(target)];
      if (a === b) continue;
      if (!g.has(a)) g.set(a, new Map());
      g.get(a)!.set(b, `${relative(SRC, f)} → ${relative(SRC, target)}`);
    }
  }
  return g;
}

/** Each strongly connected set of folders with more than one member (Tarjan). */
function cycles(g: Map<string, Map<string, string>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v)?.keys() ?? []) {
      if (!idx.has(w)) visit(w), low.set(v, Math.min(low.get(v)!, low.get(w)!));
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do c.push((w = stack.pop()!)), on.delete(w);
      while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('layering of src/', () => {
  it('has no import cycle between folders', () => {
    const g = graph();
    const found = cycles(g).map((c) => ({ folders: c, edges: c.flatMap((a) => c.filter((b) => g.get(a)?.has(b)).map((b) => g.get(a)!.get(b)!)) }));
    expect(found).toEqual([]);
  });

  it('sees the imports it judges (the check cannot pass on an empty graph)', () => {
    const g = graph();
    expect(g.get('http')?.has('flows')).toBe(true);
    expect(g.get('flows')?.has('grants')).toBe(true);
    expect(g.get('grants')?.has('model')).toBe(true);
    expect(g.get('flows')?.has('store')).toBe(true);
  });
});
