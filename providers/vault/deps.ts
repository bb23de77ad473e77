import type { Logger } from '../../src/log.ts';
import type { VaultClient } from './vault-client.ts';

/** What issuing and revoking need: the client, the token to act with, a clock and a log. */
export interface VaultDeps {
  client: VaultClient;
  /** Tollgate's own token, current at the time of the call */
  token(): string;
  now(): number;
  log: Logger;
}

/**
 * Whole seconds from `now` until `expiresAt`, rounded down so Vault's TTL ends within the grant;
 * at least 1, since Vault counts in whole seconds (the core grants nothing under a second).
 */
export function secondsLeft(expiresAt: number, now: number): number {
  return Math.max(1, Math.floor((expiresAt - now) / 1000));
}
