import { z } from 'zod';
import type { ResourceConfig } from '../src/config/schema.ts';
import { isSealed, seal, unseal } from '../src/keys/seal.ts';
import { ProviderError, type IssueRequest, type IssuedCredential, type Provider } from './provider.ts';
import { TOKEN_TYPE } from './token-types.ts';

export const sealedSecretConfig = z
  .object({
    type: z.literal('sealed-secret'),
    /** name → value; a value is either already sealed (`sealed:v1:…`, from `tollgate secret seal`) or plaintext from ${ENV}, sealed at load */
    secrets: z.record(z.string().min(1).max(128), z.string().min(1).max(65_536)),
  })
  .strict();

export const sealedSecretAction = z.object({ secret: z.string().min(1) }).strict();

/**
 * Static secrets Tollgate keeps sealed (AES-256-GCM) in memory and at rest, opened only to
 * answer a grant. A static secret does not expire upstream: the grant bounds who may fetch
 * it and for how long, and the receipt of a revocation says so.
 */
export class SealedSecretProvider implements Provider {
  readonly type = 'sealed-secret';
  readonly upstreamTokenTypes = [TOKEN_TYPE.secret] as const;
  isStatic(): boolean {
    return true;
  }
  readonly name: string;
  private readonly key: CryptoKey;
  private readonly sealed: Map<string, string>;

  private constructor(name: string, key: CryptoKey, sealed: Map<string, string>) {
    this.name = name;
    this.key = key;
    this.sealed = sealed;
  }

  static async create(name: string, raw: unknown, key: CryptoKey | null): Promise<SealedSecretProvider> {
    const cfg = sealedSecretConfig.parse(raw);
    if (!key) throw new ProviderError('misconfigured', 'sealed-secret needs signing.seal_key', false);
    const sealed = new Map<string, string>();
    for (const [secretName, value] of Object.entries(cfg.secrets)) {
      if (isSealed(value)) {
        // Open once at start so a wrong key or a tampered blob stops the service, not a request.
        await unseal(key, secretName, value).catch(() => {
          throw new ProviderError('misconfigured', `secrets.${secretName}: does not open with the seal key`, false);
        });
        sealed.set(secretName, value);
      } else {
        sealed.set(secretName, await seal(key, secretName, value));
      }
    }
    return new SealedSecretProvider(name, key, sealed);
  }

  checkResource(resource: ResourceConfig): void {
    for (const [action, settings] of Object.entries(resource.actions)) {
      const parsed = sealedSecretAction.safeParse(settings);
      if (!parsed.success || !this.sealed.has(parsed.data.secret))
        throw new ProviderError('misconfigured', `actions.${action}: name a secret of provider ${this.name} as { secret: NAME }`, false);
    }
  }

  async issue(req: IssueRequest): Promise<IssuedCredential> {
    const names = new Set(req.actions.map((a) => sealedSecretAction.parse(req.resource.actions[a]).secret));
    if (names.size !== 1) throw new ProviderError('misconfigured', `resource ${req.resource.id}: its actions name different secrets`, false);
    const secretName = [...names][0]!;
    const blob = this.sealed.get(secretName);
    if (!blob) throw new ProviderError('misconfigured', `resource ${req.resource.id}: unknown secret ${secretName}`, false);
    const token = await unseal(this.key, secretName, blob);
    return { token, issuedTokenType: TOKEN_TYPE.secret, expiresAt: req.expiresAt, lease: null };
  }
}
