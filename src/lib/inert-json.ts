/**
 * Code points JSON.stringify leaves raw inside strings that line-based tools misread: DEL and the
 * C1 controls (NEL U+0085 ends a line for some), U+2028/2029 (line breaks to JavaScript and many
 * log shippers), and the bidirectional controls, which reorder what a person sees in a viewer.
 * JSON.stringify already escapes C0 controls and lone surrogates.
 */
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\p{Bidi_Control}]/gu;

/**
 * JSON text (one line unless `indent`) with those code points written as `\uXXXX` escapes: the
 * same JSON value, so parsers and hash chains see no difference, but a SIEM cannot split or
 * reorder an event and a terminal shows nothing hidden.
 */
export function inertJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
