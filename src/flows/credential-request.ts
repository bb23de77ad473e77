import type { Limits } from '../config/schema.ts';
import type { ActionClass } from '../model/action-class.ts';
import { OAuthError } from '../lib/oauth-error.ts';
import { readJson, safeName } from '../lib/read-body.ts';
import { credentialBody } from '../schemas/credentials.ts';

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

const schemas = new WeakMap<Limits, ReturnType<typeof credentialBody>>();

/** Reads the body and checks it against its schema (schemas/credentials.ts); anything malformed or out of bounds is 400 invalid_request. */
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
  let schema = schemas.get(limits);
  if (!schema) schemas.set(limits, (schema = credentialBody(limits)));
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // An unknown key is the caller's text: named only through safeName, never echoed raw.
    throw bad(issue.code === 'unrecognized_keys' ? `unknown field ${safeName(issue.keys[0] ?? '')}` : issue.message);
  }
  const o = parsed.data;
  return {
    token: o.token,
    action: o.action as ActionClass,
    resource: o.resource ?? null,
    tool: o.tool ?? null,
    argumentsDigest: o.arguments_digest ?? null,
    approvalId: o.approval_id ?? null,
    classification: o.classification ?? null,
  };
}

function bad(description: string): OAuthError {
  return new OAuthError('invalid_request', description);
}
