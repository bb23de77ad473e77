import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

// AWS Signature Version 4, checked the way AWS checks it: recompute the signature of the request
// as received, from the documented canonical-request rules, with the secret the server knows for
// the access key. Written from the specification rather than with the SDK's own signer, so a
// mistake shared by signer and checker cannot pass unnoticed.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html

export interface SignedRequest {
  method: string;
  /** path and query as received, e.g. "/" or "/?Action=…" */
  url: string;
  /** lower-cased names, as node:http gives them */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SigningSecret {
  secretAccessKey: string;
  /** set for temporary credentials: the request must carry (and sign) this X-Amz-Security-Token */
  sessionToken?: string;
}

export type SigV4Result =
  | { ok: true; accessKeyId: string; region: string; service: string }
  | { ok: false; status: number; code: string; message: string };

const MAX_SKEW_MS = 5 * 60_000;

export function verifySigV4(req: SignedRequest, secretOf: (accessKeyId: string) => SigningSecret | null, now = Date.now()): SigV4Result {
  const auth = header(req, 'authorization');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;.-]+),\s*Signature=([0-9a-f]{64})$/.exec(auth ?? '');
  if (!m) return refuse(403, 'MissingAuthenticationToken', 'Request is missing a valid SigV4 Authorization header.');
  const [, accessKeyId, date, region, service, signedHeaderList, signature] = m as unknown as string[];
  const amzDate = header(req, 'x-amz-date') ?? '';
  const t = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!t || amzDate.slice(0, 8) !== date) return refuse(400, 'IncompleteSignature', 'X-Amz-Date is missing or does not match the credential scope.');
  const signedAt = Date.UTC(+t[1]!, +t[2]! - 1, +t[3]!, +t[4]!, +t[5]!, +t[6]!);
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) return refuse(403, 'SignatureDoesNotMatch', 'Signature expired: the request time is too far from the server time.');
  const signed = signedHeaderList!.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date')) return refuse(403, 'SignatureDoesNotMatch', 'host and x-amz-date must be signed.');

  const secret = secretOf(accessKeyId!);
  if (!secret) return refuse(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  if (secret.sessionToken !== undefined && (!signed.includes('x-amz-security-token') || header(req, 'x-amz-security-token') !== secret.sessionToken))
    return refuse(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');

  // The SDK also sends the body's hash as x-amz-content-sha256; the body itself is what counts.
  const payloadHash = sha256Hex(req.body);
  const claimed = header(req, 'x-amz-content-sha256');
  if (claimed !== undefined && claimed !== payloadHash) return refuse(403, 'SignatureDoesNotMatch', 'The provided x-amz-content-sha256 header does not match what was computed.');

  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest(req, signed, payloadHash))].join('\n');
  let key = hmac(`AWS4${secret.secretAccessKey}`, date!);
  for (const part of [region!, service!, 'aws4_request']) key = hmac(key, part);
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature!, 'hex')))
    return refuse(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  return { ok: true, accessKeyId: accessKeyId!, region: region!, service: service! };
}

function canonicalRequest(req: SignedRequest, signed: string[], payloadHash: string): string {
  const u = new URL(req.url, 'http://placeholder');
  // Non-S3 services encode each path segment twice: once as sent, once more for the signature.
  const path = u.pathname.split('/').map((s) => rfc3986(rfc3986(decodeURIComponent(s)))).join('/') || '/';
  const query = [...u.searchParams]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, x], [b, y]) => (a === b ? cmp(x, y) : cmp(a, b)))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signed.map((name) => `${name}:${(header(req, name) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  return [req.method, path, query, headers, signed.join(';'), payloadHash].join('\n');
}

function header(req: SignedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** RFC 3986 unreserved characters stay; everything else is %XX in upper case. */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const refuse = (status: number, code: string, message: string): SigV4Result => ({ ok: false, status, code, message });
