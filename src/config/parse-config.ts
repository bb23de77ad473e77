import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * YAML text → validated config. `${NAME}` in string values is replaced from `env` after parsing,
 * so a secret's content can never change the document's structure. A missing variable is an error.
 */
export function parseConfig(text: string, env: Record<string, string | undefined>): Config {
  return parseYamlConfig(configSchema, text, env);
}

/** The same rules for any config document with its own schema (the MCP gateway run apart has one). */
export function parseYamlConfig<T>(schema: z.ZodType<T>, text: string, env: Record<string, string | undefined>): T {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError(`config is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const interpolated = interpolate(doc, env, []);
  const result = schema.safeParse(interpolated);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`);
    throw new ConfigError(`invalid config:\n${lines.join('\n')}`);
  }
  return result.data;
}

function interpolate(v: unknown, env: Record<string, string | undefined>, path: (string | number)[]): unknown {
  if (typeof v === 'string') {
    return v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const value = env[name];
      if (value === undefined) throw new ConfigError(`invalid config:\n  ${formatPath(path)}: environment variable ${name} is not set`);
      return value;
    });
  }
  if (Array.isArray(v)) return v.map((x, i) => interpolate(x, env, [...path, i]));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolate(x, env, [...path, k])]));
  }
  return v;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.length ? path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(root)';
}
