import type { Limits } from '../config/schema.ts';
import { isActionClass, type ActionClass } from '../grants/action-class.ts';
import { OAuthError } from '../http/oauth-error.ts';
import { readJson, safeName } from '../http/read-body.ts';
import { APPROVAL_ID } from '../approvals/approval.ts';
import { hasUnsafeText } from '../lib/unsafe-text.ts';

/** The contract's bound on a POST /v1/credentials body. */
export const MAX_CREDENTIAL_BODY_BYTES = 16_384;

/** One gateway call, as POST /v1/credentials receives it. */
export interface CredentialRequest {
  token: string;
  action: ActionClass;
  resource: string | null;
  tool: string | null;
  argumentsDigest: string | null;
  approvalId: string | null;
  /**
   * The tool's classification in the gateway's catalog, when it has one: policy decides the call
   * as if the resource had it (say, writes through a `reviewed` tool need a human).
   */
  classification: string | null;
}

const FIELDS = new Set(['token', 'action', 'resource', 'tool', 'arguments_digest', 'approval_id', 'classification']);
const CLASSIFICATION = /^[\x21-\x7e]{1,64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const RESOURCE = /^[A-Za-z0-9][A-Za-z0-9._/-]*(:[A-Za-z0-9._/-]+)*$/;

/** Reads and checks the body; anything malformed or out of bounds is 400 invalid_request. */
export async function readCredentialRequest(req: Request, limits: Limits): Promise<CredentialRequest> {
  let body: unknown;
  try {
    body = await readJson(req, Math.min(MAX_CREDENTIAL_BODY_BYTES, limits.max_body_bytes));
  } catch (e) {
    // The contract answers every malformed body the same way, oversized and mistyped included.
    if (e instanceof OAuthError) throw new OAuthError('invalid_request', e.message);
    throw e;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('body must be a JSON object');
  const o = body as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!FIELDS.has(k)) throw bad(`unknown field ${safeName(k)}`);

  const token = o.token;
  if (typeof token !== 'string' || token === '') throw bad('token is required');
  if (token.length > limits.max_token_bytes) throw bad('token is too large');
  const action = o.action;
  if (typeof action !== 'string' || !isActionClass(action)) throw bad('action must be one of read, write, delete, admin');
  return {
    token,
    action,
    resource: optional(o, 'resource', (v) => v.length <= 256 && RESOURCE.test(v)),
    tool: optional(o, 'tool', (v) => v.length <= 256 && !hasUnsafeText(v)),
    argumentsDigest: optional(o, 'arguments_digest', (v) => DIGEST.test(v)),
    approvalId: optional(o, 'approval_id', (v) => APPROVAL_ID.test(v)),
    classification: optional(o, 'classification', (v) => CLASSIFICATION.test(v)),
  };
}

function optional(o: Record<string, unknown>, name: string, ok: (v: string) => boolean): string | null {
  const v = o[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || !ok(v)) throw bad(`${name} is malformed or too long`);
  return v;
}

function bad(description: string): OAuthError {
  return new OAuthError('invalid_request', description);
}
