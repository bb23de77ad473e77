import { z } from 'zod';
import type { RiskLevel } from '../policy/types.ts';
import { RISK_LEVELS } from '../risk/levels.ts';

const id = z.string().min(1).max(2048);

/** `POST /v1/risk`: an admin sets an agent's or a principal's level. */
export const riskBody = z
  .object({
    agent: id.optional(),
    principal: id.optional(),
    level: z.enum(RISK_LEVELS as [RiskLevel, ...RiskLevel[]]),
    reason: z.string().min(1).max(500),
  })
  .strict()
  .refine((b) => (b.agent === undefined) !== (b.principal === undefined), { message: 'give exactly one of agent, principal' });

/** `GET /v1/risk`. */
export const riskQuery = z
  .object({ agent: id.optional(), principal: id.optional() })
  .strict()
  .refine((q) => (q.agent === undefined) !== (q.principal === undefined), { message: 'give exactly one of agent, principal' });
