import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import { ConfigError, parseConfig } from '../config/parse-config.ts';

/** Policy text and schema read from disk, so the core never touches the file system. */
export interface LoadedConfig {
  config: Config;
  path: string;
  schemaText: string;
  policySources: { name: string; text: string }[];
}

/**
 * Reads the YAML file, interpolates ${ENV}, validates, and resolves every file the config names
 * (relative to the config file): policies, schema, issuer key sets, private keys, the audit archive.
 */
export function loadConfigFile(path: string, env: Record<string, string | undefined> = process.env): LoadedConfig {
  const abs = resolve(path);
  const text = readText(abs, 'config file');
  const config = parseConfig(text, env);
  const base = dirname(abs);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));

  for (const [i, iss] of config.trust.issuers.entries()) {
    if (iss.jwks_file) iss.jwks = parseJsonFile(at(iss.jwks_file), `trust.issuers[${i}].jwks_file`) as { keys: Record<string, unknown>[] };
  }
  for (const [i, k] of config.signing.keys.entries()) {
    if (k.private_jwk_file) k.private_jwk = readText(at(k.private_jwk_file), `signing.keys[${i}].private_jwk_file`);
  }
  const retention = config.audit.retention;
  if (retention.export_dir !== undefined) retention.export_dir = at(retention.export_dir);
  const schemaText = config.policy.schema ?? readText(at(config.policy.schema_file!), 'policy.schema_file');
  const policySources = config.policy.files.map((f, i) => ({ name: f, text: readText(at(f), `policy.files[${i}]`) }));
  if (config.policy.text) policySources.push({ name: 'policy.text', text: config.policy.text });
  return { config, path: abs, schemaText, policySources };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`invalid config:\n  ${what}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function parseJsonFile(path: string, what: string): unknown {
  try {
    return JSON.parse(readText(path, what));
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`invalid config:\n  ${what}: ${path} is not JSON`);
  }
}
