/** A caller's limit as a usable SQL LIMIT: whole, at least 0, at most `max` (NaN and friends become 0). */
export function clampLimit(limit: number, max: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.min(Math.floor(limit), max)) : 0;
}
