/**
 * The console's pages load nothing from anywhere but this origin, run no script at all (not
 * even inline), cannot be framed, and send no referrer to other origins (a callback URL carries
 * a code). Not `no-referrer`: with it, browsers send `Origin: null` on form posts, and the
 * Origin check in src/console/guard.ts could not tell the console's own forms from anyone's.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');
