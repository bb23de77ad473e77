import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../config/parse-config.ts';

/** A signing key file turned into a Worker secret: `wrangler secret put NAME < file`. */
export interface KeySecret {
  name: string;
  file: string;
}

export interface WorkerConfig {
  /** the config as the Worker reads it, every `${NAME}` left for its vars and secrets */
  doc: Record<string, unknown>;
  keySecrets: KeySecret[];
  /** every `${NAME}` the Worker must be given */
  references: string[];
}

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * A Node config file made self-contained for a Worker, which reads no files: policies, schema and
 * issuers' key files are inlined; private key files become references to Worker secrets; the store
 * becomes the D1 binding. `${NAME}` stays as written (secrets are never copied into the output);
 * only file paths are interpolated from `env`, to find the files.
 */
export function workerConfigFrom(path: string, env: Record<string, string | undefined>, binding = 'DB'): WorkerConfig {
  const abs = resolve(path);
  const base = dirname(abs);
  const doc = parseYaml(read(abs, 'config file'), { maxAliasCount: 100 }) as Record<string, any> | null;
  if (!doc || typeof doc !== 'object') throw new ConfigError('invalid config:\n  (root): expected a YAML mapping');
  const file = (p: unknown, where: string) => {
    if (typeof p !== 'string') throw new ConfigError(`invalid config:\n  ${where}: expected a path`);
    const expanded = p.replace(REF, (_, name: string) => {
      const v = env[name];
      if (v === undefined) throw new ConfigError(`invalid config:\n  ${where}: environment variable ${name} is not set`);
      return v;
    });
    return isAbsolute(expanded) ? expanded : resolve(base, expanded);
  };

  for (const [i, iss] of (doc.trust?.issuers ?? []).entries()) {
    if (iss?.jwks_file === undefined) continue;
    const where = `trust.issuers[${i}].jwks_file`;
    try {
      iss.jwks = JSON.parse(read(file(iss.jwks_file, where), where));
    } catch (e) {
      throw e instanceof ConfigError ? e : new ConfigError(`invalid config:\n  ${where}: not JSON`);
    }
    delete iss.jwks_file;
  }
  const keySecrets: KeySecret[] = [];
  for (const [i, k] of (doc.signing?.keys ?? []).entries()) {
    if (k?.private_jwk_file === undefined) continue;
    const name = `TOLLGATE_SIGNING_JWK_${String(k.kid ?? i).toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    keySecrets.push({ name, file: file(k.private_jwk_file, `signing.keys[${i}].private_jwk_file`) });
    k.private_jwk = `\${${name}}`;
    delete k.private_jwk_file;
  }
  const policy = (doc.policy ??= {});
  if (policy.schema_file !== undefined) {
    policy.schema = read(file(policy.schema_file, 'policy.schema_file'), 'policy.schema_file');
    delete policy.schema_file;
  }
  const texts = ((policy.files ?? []) as unknown[]).map((f, i) => read(file(f, `policy.files[${i}]`), `policy.files[${i}]`));
  if (typeof policy.text === 'string') texts.push(policy.text);
  delete policy.files;
  if (texts.length) policy.text = texts.join('\n');
  doc.store = { d1: { binding } };

  const references = [...new Set([...JSON.stringify(doc).matchAll(REF)].map((m) => m[1]!))].sort();
  return { doc, keySecrets, references };
}

/**
 * One `.dev.vars` line (dotenv, read by `wrangler dev`). The config travels as one line of JSON
 * (which is YAML); `$` and `'` are written as JSON escapes, so that neither dotenv's quoting nor
 * Wrangler's `${NAME}` expansion of .dev.vars touches the `${NAME}`s Tollgate interpolates.
 */
export function devVarsLine(name: string, value: string | Record<string, unknown>): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value).replace(/\$/g, '\\u0024').replace(/'/g, '\\u0027');
  if (/['\n\r$]/.test(text)) throw new Error(`${name}: value cannot be written to .dev.vars`);
  return `${name}='${text}'`;
}

function read(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`invalid config:\n  ${what}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
