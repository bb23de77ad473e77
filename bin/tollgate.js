#!/usr/bin/env node
// The `tollgate` bin. An installed package carries only the compiled JavaScript (Node does not strip
// types under node_modules); a checkout runs the TypeScript sources, so it never runs a stale build.
import { existsSync } from 'node:fs';

const source = new URL('../src/node/cli.ts', import.meta.url);
await import(existsSync(source) ? source.href : new URL('../dist/src/node/cli.js', import.meta.url).href);
