import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server that speaks the part of the S3 REST API an audit archive uses (path-style
 * PutObject, GetObject, ListObjectsV2 with continuation tokens), and checks every request's
 * Signature Version 4 against the one key pair it knows, as S3 does. Objects live in memory.
 */
export interface S3Server {
  url: string;
  objects: Map<string, string>;
  /** requests refused for a bad or missing signature */
  refused: number;
  close(): Promise<void>;
}

export async function startS3Server(opts: { bucket: string; accessKeyId: string; secretAccessKey: string; pageSize?: number }): Promise<S3Server> {
  const objects = new Map<string, string>();
  const state = { refused: 0 };
  const pageSize = opts.pageSize ?? 1000;
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (!signatureHolds(req, body, opts.accessKeyId, opts.secretAccessKey)) {
      state.refused++;
      return xml(res, 403, `<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>`);
    }
    const url = new URL(req.url!, 'http://s3.local');
    const [, bucket, ...rest] = url.pathname.split('/');
    if (bucket !== opts.bucket) return xml(res, 404, '<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>');
    const key = decodeURIComponent(rest.join('/'));
    if (req.method === 'PUT' && key) {
      objects.set(key, body.toString('utf8'));
      res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` }).end();
    } else if (req.method === 'GET' && key) {
      const text = objects.get(key);
      if (text === undefined) return xml(res, 404, '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(text) }).end(text);
    } else if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const after = url.searchParams.get('continuation-token') ?? '';
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
      const page = keys.slice(0, pageSize);
      const truncated = keys.length > page.length;
      xml(
        res,
        200,
        `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${esc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${pageSize}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
          page.map((k) => `<Contents><Key>${esc(k)}</Key><Size>${Buffer.byteLength(objects.get(k)!)}</Size></Contents>`).join('') +
          (truncated ? `<NextContinuationToken>${esc(page.at(-1)!)}</NextContinuationToken>` : '') +
          '</ListBucketResult>',
      );
    } else {
      xml(res, 400, '<Error><Code>NotImplemented</Code><Message>not in this test server</Message></Error>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    objects,
    get refused() {
      return state.refused;
    },
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function xml(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>${text}`);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** AWS Signature Version 4, recomputed from the request as received (the signed headers it names, its payload hash). */
function signatureHolds(req: IncomingMessage, body: Buffer, accessKeyId: string, secret: string): boolean {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization ?? ''));
  if (!auth || auth[1] !== accessKeyId) return false;
  const [, , day, region, signed, signature] = auth as unknown as [string, string, string, string, string, string];
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
  if (!amzDate.startsWith(day!) || (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(body))) return false;
  const [path, query = ''] = req.url!.split('?') as [string, string?];
  const canonicalQuery = [...new URLSearchParams(query)].map(([k, v]) => [rfc3986(k), rfc3986(v)]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&');
  const names = signed.split(';');
  const headers = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const request = [req.method, path, canonicalQuery, headers, signed, payloadHash].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(request)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day!), region!), 's3'), 'aws4_request');
  const expected = createHmac('sha256', key).update(toSign).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
