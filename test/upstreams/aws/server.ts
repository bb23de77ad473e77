import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deniesSession } from './deny-eval.ts';
import { iamAction } from './iam.ts';
import { verifySigV4 } from './sigv4.ts';
import { AwsState, type Session } from './state.ts';
import { assumeRole, assumeRoleWithWebIdentity, getCallerIdentity, type Caller } from './sts.ts';
import { fail, type Service, type XmlReply } from './xml.ts';

/**
 * A local AWS speaking the Query protocol the SDK speaks: form-encoded POSTs, XML answers and
 * errors as documented, every call but AssumeRoleWithWebIdentity checked for a valid SigV4
 * signature. STS and IAM answer on the same address (told apart by `Version`), so one endpoint
 * serves both clients.
 */
export interface FakeAws {
  url: string;
  accessKeyId: string;
  secretAccessKey: string;
  webIdentityToken: string;
  /** every request that named an action, in order */
  calls: Call[];
  /** from now on: 'hang' never answers, '500' answers InternalFailure, '403' AccessDenied; 'none' heals. Both services unless one is named. */
  fault(kind: AwsFault, only?: Service): void;
  session(accessKeyId: string): Session | undefined;
  /** the role's inline policies (name → JSON document) */
  rolePolicies(roleArn: string): Map<string, string>;
  /** whether an inline deny on its role now shuts this session out */
  isDenied(accessKeyId: string): boolean;
  /** ends a session now, as if its time were up: calls signed with its keys answer ExpiredToken */
  expire(accessKeyId: string): void;
  close(): Promise<void>;
}

export type AwsFault = 'none' | 'hang' | '500' | '403';

export interface Call {
  service: Service;
  action: string;
  params: Record<string, string>;
  /** the access key that signed it; null when unsigned */
  caller: string | null;
  status: number;
}

export interface FakeAwsOptions {
  roles?: { arn: string; maxSessionDuration?: number }[];
  accessKeyId?: string;
  secretAccessKey?: string;
  packedCapacity?: number;
  /** ListRolePolicies page size, small in tests to exercise paging */
  listPageSize?: number;
}

const VERSIONS: Record<string, Service> = { '2011-06-15': 'sts', '2010-05-08': 'iam' };
const MAX_BODY = 64 * 1024;

export async function startFakeAws(opts: FakeAwsOptions = {}): Promise<FakeAws> {
  const state = new AwsState(opts.accessKeyId ?? 'AKIATOLLGATETEST0001', opts.secretAccessKey ?? 'tollgate-test-secret/Kx9vQ2mZ7pL4wR8tY1uI', opts.roles ?? []);
  const sts = { webIdentityToken: 'eyJ-test-web-identity-token', packedCapacity: opts.packedCapacity ?? 4096 };
  const calls: Call[] = [];
  const faults: Record<Service, AwsFault> = { sts: 'none', iam: 'none' };

  const answer = (service: Service, action: string, p: URLSearchParams, req: IncomingMessage, body: Buffer): XmlReply & { caller: string | null } => {
    if (faults[service] === '500') return { ...fail(service, 500, 'InternalFailure', 'An internal error occurred.'), caller: null };
    if (faults[service] === '403') return { ...fail(service, 403, 'AccessDenied', 'User is not authorized to perform this operation.'), caller: null };
    const now = Date.now();
    if (service === 'sts' && action === 'AssumeRoleWithWebIdentity') return { ...assumeRoleWithWebIdentity(state, sts, p, now), caller: null };
    const auth = verifySigV4({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body }, (id) => state.secretOf(id), now);
    if (!auth.ok) return { ...fail(service, auth.status, auth.code, auth.message), caller: null };
    if (auth.service !== service) return { ...fail(service, 403, 'SignatureDoesNotMatch', `Credential should be scoped to correct service: '${service}'.`), caller: auth.accessKeyId };
    const session = state.sessions.get(auth.accessKeyId);
    if (session && session.expiresAt <= now) return { ...fail(service, 400, 'ExpiredToken', 'The security token included in the request is expired'), caller: auth.accessKeyId };
    const caller: Caller = session ? { kind: 'session', session } : { kind: 'user' };
    const reply =
      service === 'iam'
        ? iamAction(state, action, p, opts.listPageSize ?? 100)
        : action === 'AssumeRole'
          ? assumeRole(state, sts, caller, p, now)
          : action === 'GetCallerIdentity'
            ? getCallerIdentity(caller)
            : fail('sts', 400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
    return { ...reply, caller: auth.accessKeyId };
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    if (!body) return send(res, fail('sts', 413, 'RequestEntityTooLarge', 'Request body too large.'));
    const p = new URLSearchParams(req.method === 'POST' ? body.toString('utf8') : new URL(req.url ?? '/', 'http://x').search);
    const service = VERSIONS[p.get('Version') ?? ''];
    const action = p.get('Action') ?? '';
    if (!service || !action) return send(res, fail('sts', 400, 'InvalidAction', 'Action and a known Version are required.'));
    if (faults[service] === 'hang') return; // left open until close()
    const reply = answer(service, action, p, req, body);
    calls.push({ service, action, params: Object.fromEntries(p), caller: reply.caller, status: reply.status });
    send(res, reply);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accessKeyId: state.accessKeyId,
    secretAccessKey: state.secretAccessKey,
    webIdentityToken: sts.webIdentityToken,
    calls,
    fault: (kind, only) => {
      for (const service of only ? [only] : (['sts', 'iam'] as const)) faults[service] = kind;
    },
    session: (id) => state.sessions.get(id),
    rolePolicies: (arn) => state.roleByArn(arn)?.policies ?? new Map(),
    isDenied: (id) => {
      const s = state.sessions.get(id);
      return s !== undefined && deniesSession(s);
    },
    expire: (id) => {
      const s = state.sessions.get(id);
      if (s) s.expiresAt = Date.now();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, reply: XmlReply): void {
  res.writeHead(reply.status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(reply.body), 'x-amzn-requestid': reply.requestId });
  res.end(reply.body);
}
