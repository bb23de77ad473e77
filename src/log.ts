// Structured JSON-lines logging. Values are stripped of control characters so a hostile
// claim or parameter cannot forge log lines; callers pass fingerprints, never secrets.
import { inertJson } from './lib/inert-json.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(write: (line: string) => void, minLevel: LogLevel = 'info'): Logger {
  const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  return {
    log(level, msg, fields = {}) {
      if (order[level] < order[minLevel]) return;
      write(inertJson({ time: new Date().toISOString(), level, msg: clean(msg), ...sanitize(fields) }));
    },
  };
}

export const silentLogger: Logger = { log() {} };

function sanitize(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[clean(k)] = typeof v === 'string' ? clean(v) : v;
  return out;
}

export function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?').slice(0, 2048);
}
