import { ACCOUNT, type AwsState, type Session } from './state.ts';
import { awsTime, fail, ok, type XmlReply } from './xml.ts';

// STS (API version 2011-06-15): AssumeRole with the documented parameter constraints,
// AssumeRoleWithWebIdentity (unsigned, for Tollgate's own web-identity credentials) and
// GetCallerIdentity (to show an issued credential really signs requests).
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html

export interface StsOptions {
  /** the token AssumeRoleWithWebIdentity accepts */
  webIdentityToken: string;
  /**
   * Stand-in for STS's undisclosed packed (compressed) size limit on session policy plus tags:
   * the packed size, in percent, is (policy characters + tag characters) / this. AWS's real
   * packing is not public; tests lower this to provoke PackedPolicyTooLarge.
   */
  packedCapacity: number;
}

/** Who signed the call: Tollgate's long-term key, or one of the sessions this fake issued. */
export type Caller = { kind: 'user' } | { kind: 'session'; session: Session };

const NAME = /^[\w+=,.@-]{2,64}$/;
const TAG = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const POLICY_CHARS = /^[\t\n\r\u0020-\u00ff]+$/;
const CHAINED_MAX = 3600;

export function assumeRole(state: AwsState, opts: StsOptions, caller: Caller, p: URLSearchParams, now: number): XmlReply {
  const invalid = (m: string) => fail('sts', 400, 'ValidationError', m);
  const roleArn = p.get('RoleArn') ?? '';
  const sessionName = p.get('RoleSessionName') ?? '';
  if (roleArn.length < 20 || roleArn.length > 2048) return invalid("1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048");
  if (!NAME.test(sessionName)) return invalid("1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
  const duration = Number(p.get('DurationSeconds') ?? 3600);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) return invalid(`1 validation error detected: Value '${p.get('DurationSeconds')}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`);
  const sourceIdentity = p.get('SourceIdentity');
  if (sourceIdentity !== null && !NAME.test(sourceIdentity)) return invalid("1 validation error detected: Value at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
  const policy = p.get('Policy');
  if (policy !== null) {
    if (policy.length > 2048) return invalid("1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048");
    if (!POLICY_CHARS.test(policy)) return invalid("1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
    if (!isPolicyDocument(policy)) return fail('sts', 400, 'MalformedPolicyDocument', 'The policy is not in the valid JSON format.');
  }
  const tags = readTags(p);
  if (typeof tags === 'string') return invalid(tags);

  const role = state.roleByArn(roleArn);
  const who = caller.kind === 'session' ? `arn:aws:sts::${ACCOUNT}:assumed-role/${caller.session.role.name}/${caller.session.sessionName}` : `arn:aws:iam::${ACCOUNT}:user/tollgate`;
  if (!role) return fail('sts', 403, 'AccessDenied', `User: ${who} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
  if (duration > role.maxSessionDuration) return invalid('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  if (caller.kind === 'session' && duration > CHAINED_MAX) return invalid('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');

  const tagChars = Object.entries(tags).reduce((n, [k, v]) => n + k.length + v.length, 0);
  const packed = Math.ceil((100 * ((policy?.length ?? 0) + tagChars)) / opts.packedCapacity);
  if (packed > 100) return fail('sts', 400, 'PackedPolicyTooLarge', `Packed policy consumes ${packed}% of allotted space, please use smaller policy.`);

  const s = state.issue(role, { sessionName, sourceIdentity, tags, policy }, duration, now);
  return ok('sts', 'AssumeRole', {
    Credentials: credentialsXml(s),
    AssumedRoleUser: { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.name}/${sessionName}`, AssumedRoleId: `${role.id}:${sessionName}` },
    PackedPolicySize: policy !== null || tagChars > 0 ? packed : undefined,
    SourceIdentity: sourceIdentity ?? undefined,
  });
}

export function assumeRoleWithWebIdentity(state: AwsState, opts: StsOptions, p: URLSearchParams, now: number): XmlReply {
  if (p.get('WebIdentityToken') !== opts.webIdentityToken) return fail('sts', 400, 'InvalidIdentityToken', 'The web identity token that was passed could not be validated by AWS.');
  const sessionName = p.get('RoleSessionName') ?? '';
  if (!NAME.test(sessionName)) return fail('sts', 400, 'ValidationError', "Value at 'roleSessionName' failed to satisfy constraint");
  const role = state.roleByArn(p.get('RoleArn') ?? '');
  if (!role) return fail('sts', 403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
  const duration = Number(p.get('DurationSeconds') ?? 3600);
  if (!Number.isInteger(duration) || duration < 900 || duration > role.maxSessionDuration) return fail('sts', 400, 'ValidationError', 'The requested DurationSeconds is out of range for this role.');
  const s = state.issue(role, { sessionName, sourceIdentity: null, tags: {}, policy: null }, duration, now);
  return ok('sts', 'AssumeRoleWithWebIdentity', {
    Credentials: credentialsXml(s),
    AssumedRoleUser: { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.name}/${sessionName}`, AssumedRoleId: `${role.id}:${sessionName}` },
    SubjectFromWebIdentityToken: 'system:serviceaccount:tollgate:tollgate',
  });
}

export function getCallerIdentity(caller: Caller): XmlReply {
  if (caller.kind === 'user') return ok('sts', 'GetCallerIdentity', { Arn: `arn:aws:iam::${ACCOUNT}:user/tollgate`, UserId: 'AIDATOLLGATEEXAMPLE01', Account: ACCOUNT });
  const s = caller.session;
  return ok('sts', 'GetCallerIdentity', { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${s.role.name}/${s.sessionName}`, UserId: `${s.role.id}:${s.sessionName}`, Account: ACCOUNT });
}

function credentialsXml(s: Session) {
  return { AccessKeyId: s.accessKeyId, SecretAccessKey: s.secretAccessKey, SessionToken: s.sessionToken, Expiration: awsTime(s.expiresAt) };
}

/** `Tags.member.N.Key` / `.Value`, checked against the documented session tag rules; a string is the error. */
function readTags(p: URLSearchParams): Record<string, string> | string {
  const byIndex = new Map<string, { key?: string; value?: string }>();
  for (const [k, v] of p) {
    const m = /^Tags\.member\.(\d+)\.(Key|Value)$/.exec(k);
    if (!m) continue;
    const t = byIndex.get(m[1]!) ?? {};
    if (m[2] === 'Key') t.key = v;
    else t.value = v;
    byIndex.set(m[1]!, t);
  }
  if (byIndex.size > 50) return "Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50";
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const { key, value = '' } of byIndex.values()) {
    if (!key || key.length > 128 || !TAG.test(key) || key.toLowerCase().startsWith('aws:')) return `Tag key ${JSON.stringify(key)} is not valid`;
    if ([...value].length > 256 || !TAG.test(value)) return `Tag value of ${key} is not valid`;
    // Session tag keys are case-insensitive: two keys differing only in case are a duplicate.
    if (seen.has(key.toLowerCase())) return `Duplicate tag key ${key}`;
    seen.add(key.toLowerCase());
    out[key] = value;
  }
  return out;
}

function isPolicyDocument(text: string): boolean {
  try {
    const doc = JSON.parse(text) as { Statement?: unknown };
    return typeof doc === 'object' && doc !== null && (Array.isArray(doc.Statement) || typeof doc.Statement === 'object');
  } catch {
    return false;
  }
}
