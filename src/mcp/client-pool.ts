import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

/**
 * Connected upstream clients by key, bounded: the oldest is closed when the pool is full.
 * Concurrent callers of one key share one connection attempt; a failed attempt is forgotten.
 */
export class ClientPool {
  readonly #max: number;
  readonly #clients = new Map<string, Promise<Client>>();

  constructor(max: number) {
    this.#max = max;
  }

  get(key: string, open: () => Promise<Client>): Promise<Client> {
    const known = this.#clients.get(key);
    if (known) return known;
    if (this.#clients.size >= this.#max) this.#closeKey(this.#clients.keys().next().value!);
    const p = open();
    this.#clients.set(key, p);
    p.catch(() => {
      if (this.#clients.get(key) === p) this.#clients.delete(key);
    });
    return p;
  }

  drop(key: string): void {
    this.#closeKey(key);
  }

  /** Closes every client whose key `match` accepts. */
  dropWhere(match: (key: string) => boolean): Promise<void> {
    const keys = [...this.#clients.keys()].filter(match);
    return Promise.all(keys.map((k) => this.#closeKey(k))).then(() => undefined);
  }

  close(): Promise<void> {
    return this.dropWhere(() => true);
  }

  #closeKey(key: string): Promise<void> {
    const p = this.#clients.get(key);
    this.#clients.delete(key);
    return p ? p.then((c) => c.close()).catch(() => undefined) : Promise.resolve();
  }
}
