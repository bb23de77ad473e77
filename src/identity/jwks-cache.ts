import { createLocalJWKSet, errors } from 'jose';
import type { CryptoKey, FlattenedJWSInput, JWSHeaderParameters, LocalJWKSet } from 'jose';
import { IdentityError } from './identity-error.ts';
import { asJwks, unfitJwks } from './public-jwks.ts';
import { BodyTooLarge, readBoundedText } from '../lib/read-bounded.ts';

/** What jose `jwtVerify` calls to find the key for a token (header and token are unverified). */
export type KeyResolver = (header: JWSHeaderParameters, token?: FlattenedJWSInput) => Promise<CryptoKey>;

export interface RemoteJwksOptions {
  /** names the issuer in error messages */
  name: string;
  uri: string;
  /** keys older than this are refreshed in the background */
  refreshSeconds: number;
  /** an unknown kid (or a failed load) triggers at most one fetch per cooldown */
  cooldownSeconds: number;
  fetch?: typeof fetch;
  /** clock in epoch milliseconds */
  now?: () => number;
  timeoutMs?: number;
  maxBytes?: number;
  maxKeys?: number;
  /** told about failed background refreshes, which no request awaits */
  onBackgroundError?: (e: IdentityError) => void;
  /** a key set store shared with other instances (Workers' isolates), consulted before the origin */
  shared?: JwksSharedCache;
}

/** A key set one instance fetched, kept where other instances (isolates) can find it. */
export interface JwksSharedEntry {
  jwks: unknown;
  /** epoch ms of the origin fetch */
  fetchedAt: number;
}

/** Storage shared across instances; both calls may fail, which only means fetching from the origin. */
export interface JwksSharedCache {
  get(uri: string): Promise<JwksSharedEntry | null>;
  put(uri: string, entry: JwksSharedEntry): Promise<void>;
}

export interface RemoteJwks {
  readonly getKey: KeyResolver;
  /** Loads the keys now; throws IdentityError('keys_unavailable') with the reason on failure. */
  warm(): Promise<void>;
  /** epoch ms of the last successful load, or null if none yet */
  loadedAt(): number | null;
}

export const JWKS_DEFAULTS = { timeoutMs: 5000, maxBytes: 256 * 1024, maxKeys: 64 } as const;

/**
 * A key set fetched from a `jwks_uri`. The request path reads from memory: staleness starts a
 * background refresh that nobody awaits, so a slow key server never slows a token check. The
 * only awaited fetches are the first load (if `warm` was skipped or failed) and an unknown
 * `kid`, which is how a freshly rotated key becomes usable; both are rate-limited by the
 * cooldown so a flood of forged kids cannot turn into a flood of fetches. Concurrent callers
 * share the one fetch in flight.
 */
export function createRemoteJwks(opts: RemoteJwksOptions): RemoteJwks {
  const now = opts.now ?? Date.now;
  const refreshMs = opts.refreshSeconds * 1000;
  const cooldownMs = opts.cooldownSeconds * 1000;
  const timeoutMs = opts.timeoutMs ?? JWKS_DEFAULTS.timeoutMs;
  const maxBytes = opts.maxBytes ?? JWKS_DEFAULTS.maxBytes;
  const maxKeys = opts.maxKeys ?? JWKS_DEFAULTS.maxKeys;
  // The fetch's own timeout plus slack for parsing; past this a fetch in flight is given up.
  const deadlineMs = timeoutMs + Math.min(timeoutMs, 1000);
  // Looked up per call, not captured, so a global replaced later (tests, polyfills) is honoured.
  const fetchImpl: typeof fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));

  let local: LocalJWKSet | undefined;
  let loadedAt: number | null = null;
  let lastAttempt = -Infinity;
  let lastError: IdentityError | undefined;
  let pending: Promise<void> | undefined;
  let generation = 0;

  const unavailable = (reason: string, cause?: unknown) =>
    new IdentityError('keys_unavailable', `keys of issuer ${opts.name} unavailable: ${reason}`, { cause });

  /**
   * Starts a fetch, or returns the one in flight so concurrent callers share it. A fetch in
   * flight for longer than its own deadline is treated as abandoned and replaced: on some
   * runtimes (Workers) I/O started by a request that has since ended never settles.
   */
  function load(): Promise<void> {
    if (pending && now() - lastAttempt <= deadlineMs) return pending;
    lastAttempt = now();
    const mine = ++generation;
    pending = (async () => {
      try {
        const cached = await fromShared();
        if (cached) {
          local = cached.set;
          loadedAt = cached.fetchedAt;
          lastError = undefined;
          return;
        }
        const fetched = await fetchKeySet();
        local = fetched.set;
        loadedAt = now();
        lastError = undefined;
        await opts.shared?.put(opts.uri, { jwks: fetched.json, fetchedAt: loadedAt }).catch(() => undefined);
      } catch (e) {
        lastError = e instanceof IdentityError ? e : unavailable('unexpected error', e);
        throw lastError;
      } finally {
        if (generation === mine) pending = undefined;
      }
    })();
    return pending;
  }

  /** What a request awaits: the shared fetch, but never longer than one fetch may take. */
  function loadForRequest(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(unavailable(`no answer within ${deadlineMs} ms`)), deadlineMs);
      load().then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }

  const coolingDown = () => !pending && now() - lastAttempt < cooldownMs;

  async function getKey(header: JWSHeaderParameters, token?: FlattenedJWSInput): Promise<CryptoKey> {
    if (!local) {
      // Never loaded: fetching now is the only way to answer, but a dead server is asked
      // at most once per cooldown; in between, callers fail fast with the last reason.
      if (coolingDown()) throw lastError ?? unavailable('not loaded');
      await loadForRequest();
    } else if (loadedAt !== null && now() - loadedAt >= refreshMs && !coolingDown()) {
      load().catch((e: IdentityError) => opts.onBackgroundError?.(e));
    }
    try {
      return await local!(header, token);
    } catch (e) {
      if (!(e instanceof errors.JWKSNoMatchingKey) || coolingDown()) throw e;
      await loadForRequest();
      return local!(header, token);
    }
  }

  /**
   * Another instance's fetch, when it is newer than what this one holds and still fresh: an
   * isolate that starts, or that meets an unknown kid another isolate already fetched for, then
   * asks nobody. Anything unreadable there is ignored and the origin asked instead.
   */
  async function fromShared(): Promise<{ set: LocalJWKSet; fetchedAt: number } | null> {
    if (!opts.shared) return null;
    const entry = await opts.shared.get(opts.uri).catch(() => null);
    if (!entry || typeof entry.fetchedAt !== 'number' || !Number.isFinite(entry.fetchedAt)) return null;
    if (entry.fetchedAt <= (loadedAt ?? -Infinity) || now() - entry.fetchedAt >= refreshMs || entry.fetchedAt > now() + 60_000) return null;
    if (unfitJwks(entry.jwks, maxKeys)) return null;
    try {
      return { set: createLocalJWKSet(asJwks(entry.jwks)), fetchedAt: entry.fetchedAt };
    } catch {
      return null;
    }
  }

  async function fetchKeySet(): Promise<{ set: LocalJWKSet; json: unknown }> {
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      // No redirects: the configured URI is the one place keys may come from.
      res = await fetchImpl(opts.uri, {
        method: 'GET',
        redirect: 'manual',
        signal,
        headers: { accept: 'application/jwk-set+json, application/json' },
      });
    } catch (e) {
      throw signal.aborted ? unavailable(`timed out after ${timeoutMs} ms`, e) : unavailable(`fetch failed (${errorName(e)})`, e);
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => {});
      throw unavailable(`HTTP ${res.status} from ${opts.uri}`);
    }
    let text: string;
    try {
      text = await readBoundedText(res, maxBytes);
    } catch (e) {
      if (e instanceof BodyTooLarge) throw unavailable(`response larger than ${maxBytes} bytes`);
      if (signal.aborted) throw unavailable(`timed out after ${timeoutMs} ms`, e);
      throw unavailable('could not read the response as UTF-8', e);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw unavailable('response is not JSON');
    }
    const unfit = unfitJwks(json, maxKeys);
    if (unfit) throw unavailable(unfit);
    try {
      return { set: createLocalJWKSet(asJwks(json)), json };
    } catch (e) {
      throw unavailable('malformed JWK Set', e);
    }
  }

  return {
    getKey,
    warm: () => loadForRequest(),
    loadedAt: () => loadedAt,
  };
}

function errorName(e: unknown): string {
  if (e instanceof Error) return e.cause instanceof Error ? `${e.name}: ${e.cause.message}` : e.name;
  return 'unknown error';
}
