/**
 * Reads by key that share one statement when they pile up: while `maxInFlight` statements are
 * out, new keys wait, and the next statement takes every key waiting (at most `maxKeys`). An idle
 * store reads a key alone at once, so coalescing adds no wait; under load one round trip answers
 * many callers. Each statement is one snapshot, run after every key in it was asked for, so a
 * caller never sees older data than a read of its own would have shown.
 */
export function coalescedReads<V>(
  readMany: (keys: string[]) => Promise<Map<string, V>>,
  opts: { maxInFlight: number; maxKeys: number },
): (key: string) => Promise<V | null> {
  let waiting = new Map<string, { resolve: (v: V | null) => void; reject: (e: unknown) => void }[]>();
  let inFlight = 0;

  const send = (): void => {
    const keys = [...waiting.keys()].slice(0, opts.maxKeys);
    const batch = new Map(keys.map((k) => [k, waiting.get(k)!]));
    for (const k of keys) waiting.delete(k);
    inFlight++;
    readMany(keys).then(
      (found) => {
        for (const [k, callers] of batch) for (const c of callers) c.resolve(found.get(k) ?? null);
      },
      (e: unknown) => {
        for (const callers of batch.values()) for (const c of callers) c.reject(e);
      },
    ).finally(() => {
      inFlight--;
      if (waiting.size > 0) send();
    });
  };

  return (key) =>
    new Promise<V | null>((resolve, reject) => {
      const callers = waiting.get(key);
      if (callers) callers.push({ resolve, reject });
      else waiting.set(key, [{ resolve, reject }]);
      if (inFlight < opts.maxInFlight) send();
    });
}
