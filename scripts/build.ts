// Compiles the TypeScript sources to JavaScript with type declarations, because Node does not strip
// types under node_modules: an installed package must carry JavaScript.
//   node scripts/build.ts   → dist/ (the server package) and packages/client/dist/ (the SDK package)
// Both are run by `npm run build`, which `prepack` and .ci/run call.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');

/** Emitted declarations keep the sources' `./x.ts` specifiers; a consumer resolves `./x.js` next to `./x.d.ts`. */
const TS_SPECIFIER = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g;

function rewriteDeclarations(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(TS_SPECIFIER, '$1$2$3.js$2');
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

function compile(project: string, outDir: string): void {
  rmSync(join(ROOT, outDir), { recursive: true, force: true });
  execFileSync(process.execPath, [TSC, '-p', join(ROOT, project)], { stdio: 'inherit' });
  rewriteDeclarations(join(ROOT, outDir));
}

compile('scripts/tsconfig.build.json', 'dist');
// Files the compiled code reads beside itself at run time.
cpSync(join(ROOT, 'src/store/sqlite/migrations'), join(ROOT, 'dist/src/store/sqlite/migrations'), { recursive: true });
cpSync(join(ROOT, 'src/store/postgres/migrations'), join(ROOT, 'dist/src/store/postgres/migrations'), { recursive: true });
cpSync(join(ROOT, 'config'), join(ROOT, 'dist/config'), { recursive: true });

compile('scripts/tsconfig.client.json', 'packages/client/dist');
console.log('built dist/ and packages/client/dist/');
