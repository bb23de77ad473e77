/**
 * Code points that must not reach a person as themselves: controls (`Cc`), format characters
 * (`Cf`: bidi controls, zero-width and invisible characters), line and paragraph separators and
 * lone surrogates. A superset of what requests refuse (unsafe-text.ts): stored data may predate a
 * rule, and human subjects from an IdP are not refused at all.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const BACKSLASH_U = /\\u\{/g;

/**
 * Untrusted text made inert for a terminal, a chat message or a page: each invisible code point
 * becomes a visible `\u{XXXX}`, so what the reader sees is every character that is there, in
 * order, on one line. A literal `\u{` already in the text is doubled (`\\u{`), so an agent cannot
 * fake an escape either.
 */
export function inertText(s: string, maxChars = 2048): string {
  const out = s.replace(BACKSLASH_U, '\\\\u{').replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`);
  return out.length > maxChars ? `${out.slice(0, maxChars)}…` : out;
}
