// sys/health, sys/leases/{lookup,revoke} (api-docs/system/health, api-docs/system/leases), a
// database and an aws secrets engine's creds endpoints, and KV v1/v2 reads.
import { randomUUID } from 'node:crypto';
import { fail, noContent, ok, seconds, type Handler } from './http.ts';
import { randomId } from './state.ts';

/** GET sys/health: 200 when active and unsealed, 503 when sealed. */
export const health: Handler = ({ opts }) => ({
  status: opts.sealed ? 503 : 200,
  body: {
    initialized: true,
    sealed: opts.sealed === true,
    standby: false,
    performance_standby: false,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: Math.floor(Date.now() / 1000),
    version: '1.17.0+local',
    cluster_name: 'vault-cluster-local',
    cluster_id: randomUUID(),
  },
});

/** PUT sys/leases/lookup {lease_id}. */
export const lookupLease: Handler = ({ state, body }) => {
  const l = typeof body.lease_id === 'string' ? state.lease(body.lease_id) : null;
  if (!l) return fail(400, 'invalid lease');
  return ok({
    data: { id: l.id, issue_time: new Date(l.issuedAt).toISOString(), expire_time: new Date(l.expiresAt).toISOString(), last_renewal: null, renewable: l.renewable, ttl: state.ttlOf(l) },
  });
};

/** PUT sys/leases/revoke {lease_id}: an unknown lease is nothing to revoke, which succeeds (Vault's expiration manager). */
export const revokeLease: Handler = ({ state, body }) => {
  if (typeof body.lease_id !== 'string' || !body.lease_id) return fail(400, 'lease_id must be specified');
  state.leases.delete(body.lease_id);
  return noContent;
};

/** GET database/creds/:name: a new database user under a lease of the role's default TTL (capped by the system max). */
export const databaseCreds: Handler = ({ state, opts, params, token }) => {
  const role = opts.database?.[params[0]!];
  if (!role) return fail(400, `unknown role: ${params[0]}`);
  const ttl = Math.min(role.ttl, state.maxLeaseTtl);
  const data = { username: `v-token-${params[0]}-${randomId(20)}`, password: randomId(20) };
  const lease = state.addLease(`database/creds/${params[0]}`, token!, ttl, data);
  return ok({ lease_id: lease.id, lease_duration: ttl, renewable: true, data });
};

/** GET aws/creds/:name[?ttl=]: STS credentials; `ttl` asks for a shorter lease than the role's. */
export const awsCreds: Handler = ({ state, opts, params, query, token }) => {
  const role = opts.aws?.[params[0]!];
  if (!role) return fail(400, `role "${params[0]}" not found`);
  const asked = seconds(query.get('ttl') ?? '');
  const ttl = Math.min(asked > 0 ? asked : role.ttl, role.ttl, state.maxLeaseTtl);
  const data = { access_key: `ASIA${randomId(16).toUpperCase()}`, secret_key: randomId(40), session_token: randomId(120), arn: `arn:aws:sts::123456789012:assumed-role/${params[0]}/vault` };
  const lease = state.addLease(`aws/creds/${params[0]}`, token!, ttl, data);
  return ok({ lease_id: lease.id, lease_duration: ttl, renewable: false, data });
};

/** GET secret/data/:path (KV v2). */
export const kvV2: Handler = ({ opts, params }) => {
  const data = opts.kv?.[params[0]!];
  if (!data) return fail(404);
  return ok({ data: { data, metadata: { created_time: new Date(0).toISOString(), custom_metadata: null, deletion_time: '', destroyed: false, version: 1 } } });
};

/** GET kv/:path (KV v1): lease_duration is a refresh hint, not a lease (lease_id stays empty). */
export const kvV1: Handler = ({ opts, params }) => {
  const data = opts.kvV1?.[params[0]!];
  return data ? ok({ data, lease_duration: 2764800 }) : fail(404);
};
