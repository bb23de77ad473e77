import { z } from 'zod';

const id = z.string().min(1).max(2048);

/** The grant fields a security team filters on, shared by the inventory and by mass revocation. */
export const grantFilterFields = {
  agent: id.optional(),
  principal: id.optional(),
  owner: id.optional(),
  provider: id.optional(),
  resource: id.optional(),
  task_id: id.optional(),
  issued_before: z.iso.datetime({ offset: true }).optional(),
};
