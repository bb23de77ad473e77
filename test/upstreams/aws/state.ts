import { randomBytes } from 'node:crypto';
import type { SigningSecret } from './sigv4.ts';

// What the fake account knows: one long-term access key (Tollgate's own), its roles with their
// inline policies, and every session it issued, so later signed calls with a session's keys can
// be checked and tests can look at what was asked for.

export const ACCOUNT = '123456789012';

export interface Role {
  arn: string;
  name: string;
  /** the unique id IAM gives a role (AROA…); sessions' aws:userid is `${id}:${sessionName}` */
  id: string;
  maxSessionDuration: number;
  /** name → policy document (JSON text), the role's inline policies */
  policies: Map<string, string>;
}

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  issuedAt: number;
  expiresAt: number;
  role: Role;
  sessionName: string;
  sourceIdentity: string | null;
  tags: Record<string, string>;
  policy: string | null;
}

export class AwsState {
  readonly roles = new Map<string, Role>();
  readonly sessions = new Map<string, Session>();
  readonly accessKeyId: string;
  readonly secretAccessKey: string;

  constructor(accessKeyId: string, secretAccessKey: string, roles: { arn: string; maxSessionDuration?: number }[]) {
    this.accessKeyId = accessKeyId;
    this.secretAccessKey = secretAccessKey;
    for (const r of roles) {
      const name = r.arn.slice(r.arn.lastIndexOf('/') + 1);
      this.roles.set(name, { arn: r.arn, name, id: 'AROA' + randomId(17), maxSessionDuration: r.maxSessionDuration ?? 3600, policies: new Map() });
    }
  }

  roleByArn(arn: string): Role | undefined {
    const role = this.roles.get(arn.slice(arn.lastIndexOf('/') + 1));
    return role?.arn === arn ? role : undefined;
  }

  /** the secret behind an access key, expired sessions included (the caller tells them apart) */
  secretOf(accessKeyId: string): SigningSecret | null {
    if (accessKeyId === this.accessKeyId) return { secretAccessKey: this.secretAccessKey };
    const s = this.sessions.get(accessKeyId);
    return s ? { secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken } : null;
  }

  issue(role: Role, fields: Pick<Session, 'sessionName' | 'sourceIdentity' | 'tags' | 'policy'>, durationSeconds: number, now: number): Session {
    const issuedAt = Math.floor(now / 1000) * 1000;
    const session: Session = {
      accessKeyId: 'ASIA' + randomId(16),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: 'FwoG' + randomBytes(96).toString('base64'),
      issuedAt,
      expiresAt: issuedAt + durationSeconds * 1000,
      role,
      ...fields,
    };
    this.sessions.set(session.accessKeyId, session);
    return session;
  }
}

function randomId(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return Array.from(randomBytes(n), (b) => alphabet[b % 32]).join('');
}
