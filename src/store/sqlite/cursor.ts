/** Keyset position for newest-first paging: the last grant of the page returned. */
export interface GrantCursor {
  created_at: number;
  id: string;
}

export function encodeCursor(c: GrantCursor): string {
  return Buffer.from(JSON.stringify([c.created_at, c.id])).toString('base64url');
}

/** Cursors come back from clients, so a malformed one is an input error, not a crash. */
export function decodeCursor(s: string): GrantCursor {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    throw new RangeError('malformed grant cursor');
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'string') {
    throw new RangeError('malformed grant cursor');
  }
  return { created_at: v[0], id: v[1] };
}
