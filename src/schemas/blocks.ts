import { z } from 'zod';

const id = z.string().min(1).max(2048);

/** `DELETE /v1/blocks`: exactly one subject. */
export const liftBlockQuery = z
  .object({ agent: id.optional(), principal: id.optional() })
  .strict()
  .refine((q) => (q.agent === undefined) !== (q.principal === undefined), { message: 'name exactly one of agent, principal' });
