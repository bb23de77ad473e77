// Wire helpers for the local Vault: the response envelope and Vault's duration strings.
import { randomUUID } from 'node:crypto';
import type { FakeVaultOptions } from './options.ts';
import type { VaultState, TokenEntry } from './state.ts';

export interface Reply {
  status: number;
  body?: unknown;
}

/** What a route sees: the parsed body, the query, the path's captures and the calling token (null when none or unknown). */
export interface RouteContext {
  state: VaultState;
  opts: FakeVaultOptions;
  body: Record<string, unknown>;
  query: URLSearchParams;
  params: string[];
  token: TokenEntry | null;
  /** the X-Vault-Namespace header ('' when absent) */
  namespace: string;
}

export type Handler = (ctx: RouteContext) => Reply | Promise<Reply>;

/** Every Vault answer has this shape (api-docs: "Response"); routes fill what they have. */
export function ok(partial: { data?: unknown; auth?: unknown; lease_id?: string; lease_duration?: number; renewable?: boolean; warnings?: string[] }): Reply {
  return {
    status: 200,
    body: { request_id: randomUUID(), lease_id: '', renewable: false, lease_duration: 0, data: null, wrap_info: null, warnings: null, auth: null, mount_type: '', ...partial },
  };
}

export const noContent: Reply = { status: 204 };

/** Vault's error body: `{"errors": [...]}`. */
export function fail(status: number, ...errors: string[]): Reply {
  return { status, body: { errors } };
}

export const denied = (): Reply => fail(403, 'permission denied');

/** Vault durations: a number of seconds, or a string such as "90s", "15m", "1h" (as parseutil.ParseDurationSecond). */
export function seconds(v: unknown): number {
  if (typeof v === 'number') return Math.max(0, Math.floor(v));
  if (typeof v !== 'string' || v === '') return 0;
  const m = /^(\d+)(s|m|h|d)?$/.exec(v.trim());
  if (!m) return 0;
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
}

export function strings(v: unknown): string[] {
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
