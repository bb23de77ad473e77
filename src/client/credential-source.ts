import { completeTask } from './complete-task.ts';
import { TollgateError } from './errors.ts';
import { exchange, type ExchangeOptions, type ExchangeResult } from './exchange.ts';
import type { WaitForApproval } from './wait-for-approval.ts';

export interface CredentialSourceOptions extends Omit<ExchangeOptions, 'approvalId' | 'signal'> {
  /**
   * Exchange again this long before the credential expires; default 60 s, and never more than half
   * the credential's lifetime (so a 60 s credential is used for 30 s, not exchanged on every call).
   */
  refreshMarginMs?: number;
  /** On `dispose`, end the task (`POST /v1/tasks/{taskId}/complete`), revoking its grants; default true. */
  completeTaskOnDispose?: boolean;
  /** Wait for a human's approval when an exchange needs one. Without it, get() throws `authorization_pending`. */
  waitForApproval?: WaitForApproval;
  /** the clock (epoch ms) that decides when to refresh */
  now?: () => number;
}

/** One credential from Tollgate, as the source hands it out. */
export interface Credential {
  /** the bearer credential (a grant token, an upstream token), or for AWS the session token */
  accessToken: string;
  tokenType: string;
  issuedTokenType: string;
  scope: string;
  grantId: string;
  taskId: string;
  /** fields of a credential that is not one bearer token (AWS keys), as Tollgate sent them */
  credential?: Record<string, string>;
  /** epoch ms (on the source's clock) after which the credential must not be used */
  expiresAt: number;
}

export interface CredentialSource extends AsyncDisposable {
  /** A credential valid for at least the refresh margin (or half its life); concurrent calls share one exchange. */
  get(): Promise<Credential>;
  /** Forget the cached credential (e.g. the upstream refused it): the next get() exchanges. */
  invalidate(): void;
  /** Ends the task (unless `completeTaskOnDispose: false`); every later get() throws `disposed`. */
  dispose(): Promise<void>;
  readonly disposed: boolean;
}

const DEFAULT_MARGIN_MS = 60_000;

/**
 * A cached credential for one task, exchanged again shortly before it expires. There are no
 * timers: the refresh happens in the get() that finds the credential too old, so nothing keeps a
 * process alive and it runs unchanged on Workers. A failed refresh rejects that get() with the
 * TollgateError (a revoked or blocked agent learns it at once); the next get() tries again.
 */
export function credentialSource(opts: CredentialSourceOptions): CredentialSource {
  const now = opts.now ?? Date.now;
  const margin = opts.refreshMarginMs ?? DEFAULT_MARGIN_MS;
  let cached: { credential: Credential; refreshAt: number } | null = null;
  let inflight: Promise<Credential> | null = null;
  let disposed = false;
  let disposing: Promise<void> | null = null;

  const refresh = async (): Promise<Credential> => {
    const started = now();
    const { refreshMarginMs: _m, completeTaskOnDispose: _c, waitForApproval, now: _n, ...exchangeOpts } = opts;
    const result = await exchange(exchangeOpts, waitForApproval ? { waitForApproval } : {});
    if (disposed) throw disposedError();
    const credential = toCredential(result, started);
    const lifetime = credential.expiresAt - started;
    cached = { credential, refreshAt: credential.expiresAt - Math.min(margin, lifetime / 2) };
    return credential;
  };

  const source: CredentialSource = {
    get disposed() {
      return disposed;
    },
    async get() {
      if (disposed) throw disposedError();
      if (cached && now() < cached.refreshAt) return cached.credential;
      inflight ??= refresh().finally(() => {
        inflight = null;
      });
      return inflight;
    },
    invalidate() {
      cached = null;
    },
    dispose() {
      disposed = true;
      disposing ??= (async () => {
        await inflight?.catch(() => undefined);
        cached = null;
        if (opts.completeTaskOnDispose === false) return;
        await completeTask({ url: opts.url, taskId: opts.taskId, token: opts.actorToken ?? opts.subjectToken, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
      })().catch((e: unknown) => {
        disposing = null; // a failed completion may be retried by calling dispose again
        throw e;
      });
      return disposing;
    },
    [Symbol.asyncDispose]() {
      return source.dispose();
    },
  };
  return source;
}

function disposedError(): TollgateError {
  return new TollgateError('disposed', 'the credential source was disposed; its task is over');
}

/**
 * The expiry counts from when the request was sent (the answer's `expires_in` started no
 * earlier), and is never later than an expiration the credential itself names.
 */
function toCredential(r: ExchangeResult, sentAt: number): Credential {
  let expiresAt = sentAt + r.expires_in * 1000;
  const named = r.credential?.expiration ? Date.parse(r.credential.expiration) : NaN;
  if (Number.isFinite(named)) expiresAt = Math.min(expiresAt, named);
  return {
    accessToken: r.access_token,
    tokenType: r.token_type,
    issuedTokenType: r.issued_token_type,
    scope: r.scope,
    grantId: r.grant_id,
    taskId: r.task_id,
    ...(r.credential ? { credential: r.credential } : {}),
    expiresAt,
  };
}
