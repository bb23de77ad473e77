/**
 * The one rule for agent-supplied text a person will read (intent, tool names, reasons): these
 * code points are refused. Unicode `Cc` (C0, DEL, C1 including NEL U+0085: they move the cursor,
 * clear terminals, split lines), the line and paragraph separators U+2028/2029 (line breaks to
 * JavaScript and to many viewers), and the bidirectional controls (`Bidi_Control`: U+061C,
 * U+200E/200F, U+202A–202E, U+2066–2069), which reorder what is displayed. TAB, CR and LF are `Cc`:
 * free text here is one line.
 */
export const UNSAFE_TEXT = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]/u;

export function hasUnsafeText(s: string): boolean {
  return UNSAFE_TEXT.test(s);
}

/** What callers say when they refuse: the same words everywhere. */
export const UNSAFE_TEXT_MESSAGE = 'contains control, line-separator or bidirectional formatting characters';
