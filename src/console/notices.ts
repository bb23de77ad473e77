import { h, type Html } from '../lib/html.ts';

/**
 * What a page says after an action redirected to it (POST, then redirect, then GET). Only these
 * fixed words: nothing a request chose is echoed as a message.
 */
const NOTICES = {
  approved: 'Approved. The agent may now retry its request, once.',
  approved_partly: 'Your approval is recorded; other approvers still have to answer.',
  denied: 'Denied. The agent is told so when it asks again.',
  frozen: 'Frozen. Every node now refuses new credentials for what the freeze names.',
  unfrozen: 'Lifted. Credentials are issued again where no other freeze applies.',
  revoked: 'Revocation started: every grant it names is already dead on every path; its records are being written.',
  blocked: 'Blocked: its live grants are being revoked and no new grant is issued for it until the block is lifted.',
  unblocked: 'Block lifted: new grants are possible again. What was revoked stays revoked.',
  nothing: 'Nothing matched: nothing was changed.',
} as const;

export type NoticeKey = keyof typeof NOTICES;

export function noticeFor(key: string | undefined): Html | null {
  return key !== undefined && Object.hasOwn(NOTICES, key) ? h`${NOTICES[key as NoticeKey]}` : null;
}
