import { IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { ResourceConfig } from '../../src/config/schema.ts';
import { ACTION_CLASSES } from '../../src/model/action-class.ts';
import type { Grant } from '../../src/model/grant.ts';
import type { Logger } from '../../src/log.ts';
import type { ProviderContext } from '../build-providers.ts';
import { ProviderError, type IssueRequest, type IssuedCredential, type Provider } from '../provider.ts';
import { TOKEN_TYPE } from '../token-types.ts';
import { fromAwsError } from './aws-errors.ts';
import type { AwsStsConfig } from './config.ts';
import { CLOCK_MARGIN_S, EmergencyDeny } from './emergency-deny.ts';
import { decodeLease, encodeLease } from './lease.ts';
import { ownCredentials, type OwnCredentials } from './own-credentials.ts';
import { parseResource, type ResourceSettings } from './resource-settings.ts';
import { sessionDuration } from './session-duration.ts';
import { roleSessionName, sessionTags, sourceIdentity } from './session-identity.ts';
import { assertPolicyFits, sessionPolicy } from './session-policy.ts';

/** Deny policies outlive their sessions by at most this (plus the clock margin) before a sweep removes them. */
const SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * Short-lived AWS credentials from STS AssumeRole, narrowed per grant by a session policy built
 * from the catalog's templates, named after the grant (RoleSessionName), stamped with who it is
 * for (SourceIdentity, session tags), and ending with the grant. STS sessions cannot be revoked:
 * `revoke` exists only with `emergency_deny`, which makes IAM refuse everything to the session.
 */
export class AwsStsProvider implements Provider {
  readonly type = 'aws-sts';
  readonly upstreamTokenTypes = [TOKEN_TYPE.awsCredentials] as const;
  readonly name: string;
  readonly revoke?: (lease: string | null, grant: Grant) => Promise<void>;
  readonly revocationNote?: string;
  private readonly cfg: AwsStsConfig;
  private readonly own: OwnCredentials;
  private readonly sts: STSClient;
  private readonly iam: IAMClient | null = null;
  private readonly deny: EmergencyDeny | null = null;
  private readonly log: Logger;
  private readonly now: () => number;
  /** resource id → its settings, from checkResource: a revocation without a lease finds its role here */
  private readonly catalog = new Map<string, ResourceSettings>();
  private sweeper: ReturnType<typeof setInterval> | null = null;
  private sweeping = false;

  constructor(name: string, cfg: AwsStsConfig, ctx: Pick<ProviderContext, 'log' | 'now'>) {
    this.name = name;
    this.cfg = cfg;
    this.log = ctx.log;
    this.now = ctx.now;
    this.own = ownCredentials(cfg);
    const credentials = this.own.credentials ? { credentials: this.own.credentials } : {};
    this.sts = new STSClient({ region: cfg.region, ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}), ...credentials });
    if (cfg.emergency_deny?.enabled) {
      const endpoint = cfg.emergency_deny.iam_endpoint;
      // One attempt per call: revocation jobs retry with their own backoff, and the SDK would
      // retry IAM's LimitExceeded (a full role, not throttling) until the timeout.
      this.iam = new IAMClient({ region: cfg.region, ...(endpoint ? { endpoint } : {}), ...credentials, maxAttempts: 1 });
      const deny = new EmergencyDeny({ iam: this.iam, timeoutMs: cfg.timeout * 1000, log: ctx.log, now: ctx.now });
      this.deny = deny;
      this.revoke = (lease, grant) => this.denySession(deny, lease, grant);
      this.revocationNote = 'IAM denies the session from now on; the deny takes effect within seconds (IAM is eventually consistent)';
    }
  }

  checkResource(resource: ResourceConfig): void {
    this.catalog.set(resource.id, parseResource(resource));
  }

  /** Proves Tollgate's own credentials work, and removes deny policies left from before a restart. */
  async start(): Promise<void> {
    try {
      // Needs no permission: it only proves the keys (or the default chain) authenticate.
      await this.sts.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(this.cfg.timeout * 1000) });
    } catch (e) {
      const pe = fromAwsError(e, 'STS GetCallerIdentity');
      if (!pe.retryable) throw new ProviderError('misconfigured', `Tollgate's own AWS credentials were refused: ${pe.message}`, false);
      this.log.log('warn', 'aws-sts could not reach STS at start; each exchange will try again', { provider: this.name, error: pe.message });
    }
    if (!this.deny) return;
    try {
      await this.deny.sweep(this.roles());
    } catch (e) {
      const pe = fromAwsError(e, 'IAM');
      // Missing IAM permissions would surface only at the first revocation: better now.
      if (!pe.retryable) throw new ProviderError('misconfigured', `emergency_deny: ${pe.message}`, false);
      this.log.log('warn', 'aws-sts deny policy sweep failed; retrying later', { provider: this.name, error: pe.message });
    }
    this.sweeper = setInterval(() => void this.sweepQuietly(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    this.sts.destroy();
    this.iam?.destroy();
    this.own.close();
  }

  async issue(req: IssueRequest): Promise<IssuedCredential> {
    const settings = this.catalog.get(req.resource.id) ?? parseResource(req.resource);
    // In the catalog's action order, so the same grant always yields the same policy text.
    const statements = ACTION_CLASSES.filter((a) => req.actions.includes(a)).flatMap((a) => {
      const s = settings.statements.get(a);
      if (!s) throw new ProviderError('misconfigured', `resource ${req.resource.id} has no aws-sts settings for ${a}`, false);
      return s;
    });
    const policy = sessionPolicy(statements);
    assertPolicyFits(policy);
    const duration = sessionDuration(req.expiresAt, this.now(), { maxSession: this.cfg.max_session_duration, timeout: this.cfg.timeout, maxOverrun: this.cfg.max_overrun });
    const sessionName = roleSessionName(req.grant.id);
    const identity = await sourceIdentity(req.grant);

    const out = await this.sts
      .send(
        new AssumeRoleCommand({ RoleArn: settings.roleArn, RoleSessionName: sessionName, DurationSeconds: duration, SourceIdentity: identity, Tags: sessionTags(req.grant), Policy: policy }),
        { abortSignal: AbortSignal.any([req.signal, AbortSignal.timeout(this.cfg.timeout * 1000)]) },
      )
      .catch((e: unknown) => {
        throw fromAwsError(e, 'STS AssumeRole');
      });
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new ProviderError('upstream_unavailable', 'STS AssumeRole answered without credentials', true);

    // The lease's life is what STS says, not what was asked for.
    const expiresAt = c.Expiration.getTime();
    const expiration = c.Expiration.toISOString();
    this.log.log('info', 'aws-sts session issued', {
      provider: this.name,
      grant_id: req.grant.id,
      role_arn: settings.roleArn,
      duration_s: duration,
      expires_at: expiration,
      // STS's 900 s floor against a shorter grant: how long the credential outlives it
      outlives_grant_s: Math.max(0, Math.ceil((expiresAt - req.expiresAt) / 1000)),
      packed_policy_percent: out.PackedPolicySize ?? null,
    });
    return {
      token: c.SessionToken,
      issuedTokenType: TOKEN_TYPE.awsCredentials,
      expiresAt,
      lease: encodeLease({ role_arn: settings.roleArn, session_name: sessionName, source_identity: identity, expires: Math.ceil(expiresAt / 1000) }),
      credential: { access_key_id: c.AccessKeyId, secret_access_key: c.SecretAccessKey, session_token: c.SessionToken, expiration },
    };
  }

  /**
   * Emergency revocation of one grant's session. Without a lease this provider wrote (the process
   * stopped between AssumeRole and recording it), the grant stands in: its id is the session
   * name, and the session ended at the latest by the grant's expiry plus the allowed overrun.
   */
  private async denySession(deny: EmergencyDeny, lease: string | null, grant: Grant): Promise<void> {
    const known = decodeLease(lease);
    const until = (known ? known.expires : Math.ceil(grant.expires_at / 1000) + this.cfg.max_overrun) + CLOCK_MARGIN_S;
    if (until * 1000 <= this.now()) return; // the session is over: nothing left to deny
    const roleArn = known?.role_arn ?? this.catalog.get(grant.resource)?.roleArn;
    // Thrown, the revocation job retries; once the session is surely over, the check above ends it.
    if (!roleArn) throw new ProviderError('misconfigured', `resource ${grant.resource} is no longer in the catalog: the role to deny is unknown`, false);
    await deny.put({
      roleArn,
      sessionName: known?.session_name ?? roleSessionName(grant.id),
      sourceIdentity: known?.source_identity ?? (await sourceIdentity(grant)),
      until,
    });
  }

  private async sweepQuietly(): Promise<void> {
    if (!this.deny || this.sweeping) return;
    this.sweeping = true;
    try {
      await this.deny.sweep(this.roles());
    } catch (e) {
      this.log.log('warn', 'aws-sts deny policy sweep failed; retrying later', { provider: this.name, error: fromAwsError(e, 'IAM').message });
    } finally {
      this.sweeping = false;
    }
  }

  private roles(): Set<string> {
    return new Set([...this.catalog.values()].map((s) => s.roleArn));
  }
}
