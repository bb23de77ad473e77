import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ownCredentials } from '../../providers/aws-sts/own-credentials.ts';
import type { AuditArchive } from '../audit/archive.ts';
import type { Config } from '../config/schema.ts';

type S3Settings = NonNullable<Config['audit']['retention']['export_s3']>;

/** A call to S3 that takes longer fails (the next retention run tries again). */
const TIMEOUT_MS = 30_000;

/**
 * An audit archive in an S3 bucket (or a store that speaks S3's API). A PUT replaces the object
 * whole or not at all and is durable once answered, so writeSegment's order (events, then the
 * checkpoint) holds as on disk. Tollgate's identity for it comes from `credentials`, as for the
 * aws-sts provider; it needs s3:PutObject, s3:GetObject and s3:ListBucket on the prefix.
 */
export function s3Archive(cfg: S3Settings): AuditArchive & { close(): void } {
  const own = ownCredentials({ credentials: cfg.credentials, region: cfg.region, timeout: TIMEOUT_MS / 1000 });
  const client = new S3Client({
    region: cfg.region,
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    forcePathStyle: cfg.path_style,
    ...(own.credentials ? { credentials: own.credentials } : {}),
  });
  const key = (name: string) => `${cfg.prefix}${name}`;
  const options = () => ({ abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
  const location = `s3://${cfg.bucket}/${cfg.prefix}`;
  // Says which archive and which call; S3's own error name and message carry no secret.
  const failed = (call: string) => (e: unknown): never => {
    const err = e as { name?: string; message?: string };
    throw new Error(`audit archive ${location}: ${call} failed (${err.name ?? 'Error'}: ${err.message ?? 'no message'})`, { cause: e });
  };
  return {
    location,
    async put(name, text) {
      await client.send(new PutObjectCommand({ Bucket: cfg.bucket, Key: key(name), Body: text, ContentType: name.endsWith('.jsonl') ? 'application/jsonl' : 'application/jose' }), options()).catch(failed('PutObject'));
    },
    async get(name) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: cfg.bucket, Key: key(name) }), options());
        return (await out.Body?.transformToString('utf-8')) ?? '';
      } catch (e) {
        if (e instanceof NoSuchKey) return null;
        return failed('GetObject')(e);
      }
    },
    async list(prefix) {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: cfg.bucket, Prefix: key(prefix), ...(token ? { ContinuationToken: token } : {}) }), options()).catch(failed('ListObjectsV2'));
        for (const o of page.Contents ?? []) if (o.Key) names.push(o.Key.slice(cfg.prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return names;
    },
    close() {
      client.destroy();
      own.close();
    },
  };
}
