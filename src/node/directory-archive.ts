import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditArchive } from '../audit/archive.ts';

/**
 * An audit archive in a directory. Each file goes to a temporary name of its own (two writers of
 * one segment, a CLI run beside the server, never share one), is synced, then renamed into place,
 * and the directory is synced, so a crash leaves the old file or the new one, never half of one.
 */
export function directoryArchive(dir: string): AuditArchive {
  return {
    location: dir,
    async put(name, text) {
      mkdirSync(dir, { recursive: true });
      const path = join(dir, name);
      const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
      syncDir(dir);
    },
    async get(name) {
      try {
        return readFileSync(join(dir, name), 'utf8');
      } catch {
        return null;
      }
    },
    async list(prefix) {
      try {
        return readdirSync(dir).filter((n) => n.startsWith(prefix) && !n.endsWith('.tmp'));
      } catch {
        return [];
      }
    },
  };
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
