import { StoreRefused } from '../store-errors.ts';
/** Keyset position for newest-first paging: the last grant of the page returned. */
export interface GrantCursor {
  created_at: number;
  id: string;
}

// Web APIs only (btoa/atob, TextEncoder), so the D1 store on Workers pages the same way.
export function encodeCursor(c: GrantCursor): string {
  let bin = '';
  for (const b of new TextEncoder().encode(JSON.stringify([c.created_at, c.id]))) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Cursors come back from clients, so a malformed one is an input error, not a crash. */
export function decodeCursor(s: string): GrantCursor {
  let v: unknown;
  try {
    if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('not base64url');
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0))));
  } catch {
    throw new StoreRefused('malformed grant cursor');
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'string') {
    throw new StoreRefused('malformed grant cursor');
  }
  return { created_at: v[0], id: v[1] };
}
