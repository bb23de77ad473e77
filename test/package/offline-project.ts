import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type LockEntry = Record<string, unknown> & { dev?: boolean; dependencies?: Record<string, string> };
export type Manifest = Record<string, unknown> & { name: string; version: string };

export interface Tarball {
  file: string; // a file name inside the project directory
  manifest: Manifest; // the package.json packed into it
}

/**
 * Writes package.json and package-lock.json for a consumer of the packed tarballs, so that
 * `npm ci --offline` installs them from the local npm cache without asking a registry. The
 * tarballs' dependencies are pinned exactly as `checkoutLock` pins the checkout's production tree;
 * without it, the tarballs must need nothing else.
 */
export function writeOfflineProject(dir: string, tarballs: Tarball[], checkoutLock?: string): void {
  const packages: Record<string, LockEntry> = {};
  if (checkoutLock) {
    const lock = JSON.parse(readFileSync(checkoutLock, 'utf8')) as { packages: Record<string, LockEntry> };
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path.startsWith('node_modules/') && !entry.dev) packages[path] = entry;
    }
  }
  const dependencies = Object.fromEntries(tarballs.map((t) => [t.manifest.name, `file:${t.file}`]));
  for (const t of tarballs) {
    const pick = (k: string) => (t.manifest[k] === undefined ? {} : { [k]: t.manifest[k] });
    packages[`node_modules/${t.manifest.name}`] = {
      version: t.manifest.version,
      resolved: `file:${t.file}`,
      ...pick('license'),
      ...pick('dependencies'),
      ...pick('peerDependencies'),
      ...pick('peerDependenciesMeta'),
      ...pick('bin'),
      ...pick('engines'),
    };
  }
  const manifest = { name: 'tollgate-consumer', version: '1.0.0', private: true, type: 'module', dependencies };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  const lockfile = { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages: { '': { name: manifest.name, version: manifest.version, dependencies }, ...packages } };
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lockfile, null, 2));
}
