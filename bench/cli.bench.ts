import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILED_CLI, devTokenMinter, startDevProcess } from './dev-process.ts';

/**
 * Wall time of CLI commands as a user runs them (compiled JavaScript, a fresh process each), by
 * hyperfine; `node -e 1` beside them is the floor no command can beat.
 */
export async function benchCli(runs: number) {
  const server = await startDevProcess();
  try {
    const token = await (await devTokenMinter(server.data))('spiffe://dev.local/agent/demo');
    const node = process.execPath;
    const commands = [
      `${node} -e 1`,
      `${node} ${COMPILED_CLI} --help`,
      `${node} ${COMPILED_CLI} introspect ${token} --url ${server.url} --admin-key ${server.adminKey}`,
      `${node} ${COMPILED_CLI} dev-token --agent spiffe://dev.local/agent/demo --raw --data ${server.data}`,
    ];
    const out = join(mkdtempSync(join(tmpdir(), 'tollgate-hyperfine-')), 'cli.json');
    const r = spawnSync('hyperfine', ['--warmup', '3', '--runs', String(runs), '--style', 'none', '-N', '--export-json', out, ...commands], { encoding: 'utf8' });
    if (r.error) throw new Error(`cannot run hyperfine (${r.error.message}): install it (Debian: apt-get install hyperfine)`);
    if (r.status !== 0) throw new Error(`hyperfine failed:\n${r.stdout}${r.stderr}`);
    const { results } = JSON.parse(readFileSync(out, 'utf8')) as { results: { median: number }[] };
    const ms = (i: number) => Math.round(results[i]!.median * 10_000) / 10;
    return { node_floor_ms: ms(0), help_ms: ms(1), introspect_ms: ms(2), dev_token_ms: ms(3), runs };
  } finally {
    await server.stop();
  }
}

if (import.meta.main) {
  const { ensureBuilt } = await import('./dev-process.ts');
  ensureBuilt();
  console.log(await benchCli(20));
}
