import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { inertText } from './inert-text.ts';

export type Html = HtmlEscapedString;
type Value = Html | string | number | boolean | null | undefined | readonly Value[];

/**
 * Hono's `html` tag with one rule added: every string interpolated is made inert first
 * (lib/inert-text.ts: control, format and separator characters shown as `\u{…}`), then
 * HTML-escaped by Hono. Agent-supplied text therefore reaches a page neither as markup nor as
 * anything that moves, hides or reorders what a person reads, and no page can forget to do so.
 * Only fragments built with this tag pass through unescaped.
 */
export function h(strings: TemplateStringsArray, ...values: Value[]): Html {
  const out = html(strings, ...values.map(inert));
  // Nothing here is asynchronous: pages fetch first, then render.
  if (out instanceof Promise) throw new Error('console: an asynchronous fragment was rendered');
  return out;
}

function inert(v: Value): unknown {
  if (typeof v === 'string') return inertText(v, 4096);
  if (Array.isArray(v)) return v.map(inert);
  return v;
}

/** A list of fragments joined into one. */
export function join(parts: readonly Html[]): Html {
  return h`${parts}`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A time as people on call read it: UTC, to the second, with how far away it is. */
export function when(ms: number | null, now: number): Html {
  if (ms === null) return h`<span class="muted">—</span>`;
  return h`<time datetime="${new Date(ms).toISOString()}">${iso(ms)}</time> <span class="muted">(${relative(ms - now)})</span>`;
}

function relative(delta: number): string {
  const s = Math.round(Math.abs(delta) / 1000);
  const text = s < 90 ? `${s}s` : s < 5400 ? `${Math.round(s / 60)}m` : s < 172_800 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86_400)}d`;
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

/** `?a=1&b=2` from the given values, skipping empty ones. */
export function query(values: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
