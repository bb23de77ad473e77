// Durations in config and Cedar annotations read as "90s", "15m", "1h", "1d" or a bare number of seconds.
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseDuration(text: string | number): number | null {
  if (typeof text === 'number') return Number.isInteger(text) && text > 0 ? text : null;
  const m = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]) * UNIT_SECONDS[m[2] || 's']!;
  return n > 0 ? n : null;
}
