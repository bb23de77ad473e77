import type { Adapter, ModelPayload } from 'oidc-provider';

/**
 * Where the test upstream keeps its tokens. oidc-provider's own in-memory adapter would do, but
 * it warns on every start; this one is as small as the flows used here need: store, find, and
 * destroy (RFC 7009 revocation). No expiry of its own: oidc-provider checks `exp` on every find,
 * and an upstream lives only as long as its test.
 */
export function memoryAdapter(): (model: string) => Adapter {
  const store = new Map<string, ModelPayload>();
  return (model) => ({
    async upsert(id, payload) {
      store.set(`${model}:${id}`, payload);
    },
    async find(id) {
      return store.get(`${model}:${id}`);
    },
    async destroy(id) {
      store.delete(`${model}:${id}`);
    },
  });
}
