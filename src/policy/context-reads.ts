/**
 * Which `context` attributes a policy set may read, decided from the policy texts alone and
 * conservatively: an attribute counts as read when its name appears as a word anywhere in any
 * policy (comments and strings included), and every attribute counts as read when any policy
 * uses `context` other than as `context.x`, `context["x"]` or `context has x` (say, comparing
 * the whole record). A decision cannot depend on an attribute no policy reads, so a cache may
 * leave it out of its key; "may read" errs towards keeping it in.
 */
export function contextReads(texts: readonly string[]): (attribute: string) => boolean {
  const wholeContext = texts.some((t) => /\bcontext\b(?!\s*(?:\.|\[|has\b))/.test(t));
  return (attribute) => {
    if (wholeContext || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(attribute)) return true;
    const word = new RegExp(`\\b${attribute}\\b`);
    return texts.some((t) => word.test(t));
  };
}
