/**
 * Exclusion within one process: a store of its own (one SQLite file, one Workers isolate) has no
 * other node to exclude, only an overlapping run of the same work here.
 */
export function inProcessExclusion(): <T>(name: string, fn: () => Promise<T>) => Promise<T | undefined> {
  const running = new Set<string>();
  return async (name, fn) => {
    if (running.has(name)) return undefined;
    running.add(name);
    try {
      return await fn();
    } finally {
      running.delete(name);
    }
  };
}
