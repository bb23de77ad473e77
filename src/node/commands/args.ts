import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { CliError } from './cli-error.ts';
import { inertJson } from '../../lib/inert-json.ts';
import { inertText } from '../../lib/inert-text.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export const common = {
  url: { type: 'string' },
  'admin-key': { type: 'string' },
  data: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** parseArgs with strict checking; a bad flag is a usage error (exit 2) that prints the command's help. */
export function args<O extends Options>(argv: string[], options: O, help: string, positionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: positionals > 0, strict: true });
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n\n${help}`, 2);
  }
  if (parsed.positionals.length > positionals) throw new CliError(`too many arguments\n\n${help}`, 2);
  return parsed;
}

export function serverUrl(v: { url?: string }): string {
  return (v.url ?? process.env.TOLLGATE_URL ?? 'http://127.0.0.1:8787').replace(/\/$/, '');
}

export function dataDir(v: { data?: string }): string {
  return v.data ?? process.env.TOLLGATE_DATA ?? './data';
}

/** --admin-key, then TOLLGATE_ADMIN_KEY, then the dev server's key file. */
export function adminKey(v: { 'admin-key'?: string; data?: string }): string {
  const k = v['admin-key'] ?? process.env.TOLLGATE_ADMIN_KEY;
  if (k) return k;
  const devFile = `${dataDir(v)}/dev-admin.key`;
  if (existsSync(devFile)) return readFileSync(devFile, 'utf8').trim();
  throw new CliError('no admin key: pass --admin-key or set TOLLGATE_ADMIN_KEY');
}

/** Calls the server and prints its JSON answer; a non-2xx answer is printed to stderr and fails the command. */
export async function call(url: string, init: RequestInit): Promise<{ status: number; body: unknown; text: string }> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    throw new CliError(`cannot reach ${new URL(url).origin}: is the server running (npm start)?`);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, body, text };
}

export function print(v: unknown): void {
  // Server answers carry agents' and IdPs' strings: shown inert (JSON escapes, or visible \u{…} in plain text).
  console.log(typeof v === 'string' ? inertText(v, Infinity) : inertJson(v, 2));
}
