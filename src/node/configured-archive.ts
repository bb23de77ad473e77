import type { AuditArchive } from '../audit/archive.ts';
import type { Config } from '../config/schema.ts';
import { directoryArchive } from './directory-archive.ts';

export type OpenArchive = AuditArchive & { close(): void };

/** The archive audit.retention names on Node: a directory (`export_dir`) or an S3 bucket (`export_s3`); null for none. */
export async function configuredArchive(retention: Config['audit']['retention']): Promise<OpenArchive | null> {
  if (retention.export_dir !== undefined) return { ...directoryArchive(retention.export_dir), close() {} };
  // The AWS SDK loads only for a config that needs it.
  if (retention.export_s3 !== undefined) return (await import('./s3-archive.ts')).s3Archive(retention.export_s3);
  return null;
}
