import { TollgateError } from './errors.ts';
import { endpoint, send, type Fetch } from './http.ts';
import { resolveToken, type TokenInput } from './token-types.ts';

export interface WaitForApproval {
  /** give up (throwing the `authorization_pending` error, approvalId included) after this long */
  timeoutMs: number;
  /** the least time between two retries when the approvals API cannot be long-polled; default 5 s */
  intervalMs?: number;
  /**
   * How long one long poll of the approvals API may wait for the decision; default (and
   * Tollgate's cap) 30 s. 0 polls without waiting, e.g. behind a proxy with a short idle timeout.
   */
  longPollSeconds?: number;
  /** called after each wait that ended without a grant */
  onPending?: (approvalId: string) => void;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Long polls are capped by Tollgate at 30 s. */
const MAX_POLL_SECONDS = 30;

export interface DecisionWait {
  url: string | URL;
  approvalId: string;
  /** the agent's token: it may read its own approval requests */
  token: TokenInput;
  until: number;
  intervalMs: number;
  longPollSeconds?: number;
  now: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  fetch?: Fetch;
  signal?: AbortSignal;
}

/**
 * Waits until the approval is decided, or the deadline: a long poll of `GET /v1/approvals/{id}`
 * answers as soon as a human decides. When that cannot be used (older server, a token that may
 * not read it) or answers early, the rest of `intervalMs` is slept, so retries never come faster.
 */
export async function waitForDecision(w: DecisionWait): Promise<void> {
  const started = w.now();
  const remainingS = Math.ceil((w.until - started) / 1000);
  const pollS = Math.max(0, Math.min(w.longPollSeconds ?? MAX_POLL_SECONDS, MAX_POLL_SECONDS, remainingS));
  let decided = false;
  try {
    const res = await send(w.fetch, endpoint(w.url, `/v1/approvals/${encodeURIComponent(w.approvalId)}?wait=${pollS}`), {
      headers: { authorization: `Bearer ${await resolveToken(w.token)}`, accept: 'application/json' },
      ...(w.signal ? { signal: w.signal } : {}),
    });
    if (res.ok) {
      const body = (await res.json().catch(() => null)) as { status?: unknown } | null;
      decided = body !== null && body.status !== 'pending';
    } else {
      await res.body?.cancel();
    }
  } catch (e) {
    if (w.signal?.aborted) throw e;
    // The poll is only a hint: the retried exchange is what decides.
  }
  if (decided) return;
  const rest = Math.min(w.intervalMs - (w.now() - started), w.until - w.now());
  if (rest > 0) await (w.sleep ?? sleep)(rest, w.signal);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => new TollgateError('aborted', 'the wait for approval was aborted', { cause: signal?.reason });
    if (signal?.aborted) return reject(aborted());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
