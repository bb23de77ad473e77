import { z } from 'zod';
import { ACTION_CLASSES } from '../model/action-class.ts';
import { hasUnsafeText, UNSAFE_TEXT_MESSAGE } from '../lib/unsafe-text.ts';

/**
 * OpenID AuthZEN Authorization API 1.0 requests, as Tollgate reads them (the MCP profile's
 * mapping): subject = the agent (`id`), with the human it acts for (`properties.principal`) and,
 * when the PEP holds it, the agent's grant token (`properties.token`); action = the call's action
 * class; resource = the catalog resource or an MCP server's canonical URI; context = the tool,
 * the arguments digest, the tool's classification, the task and, on a retry, the approval.
 * Everything is bounded; unknown members are kept out of decisions (passthrough is not read).
 */
const text = (max: number) => z.string().min(1).max(max);

const subject = z.object({
  type: text(64),
  id: text(2048),
  properties: z.object({ principal: text(2048).optional(), token: text(65_536).optional() }).loose().optional(),
}).loose();

const action = z.object({ name: z.enum(ACTION_CLASSES), properties: z.record(z.string(), z.unknown()).optional() }).loose();

const resource = z.object({ type: text(64), id: text(2048), properties: z.record(z.string(), z.unknown()).optional() }).loose();

const context = z.object({
  tool: text(256).refine((v) => !hasUnsafeText(v), `tool ${UNSAFE_TEXT_MESSAGE}`).optional(),
  arguments_digest: z.string().regex(/^sha256:[0-9a-f]{64}$/).optional(),
  classification: z.string().regex(/^[\x21-\x7e]{1,64}$/).optional(),
  task_id: z.string().regex(/^[\x21-\x7e]{1,512}$/).optional(),
  approval_id: z.string().regex(/^apr_[A-Za-z0-9_-]{10,64}$/).optional(),
}).loose();

export const evaluationSchema = z.object({ subject, action, resource, context: context.optional() }).loose();

export const MAX_EVALUATIONS = 64;

const partial = z.object({ subject: subject.optional(), action: action.optional(), resource: resource.optional(), context: context.optional() }).loose();

export const evaluationsSchema = z.object({
  subject: subject.optional(),
  action: action.optional(),
  resource: resource.optional(),
  context: context.optional(),
  evaluations: z.array(partial).max(MAX_EVALUATIONS).optional(),
  options: z.object({ evaluations_semantic: z.enum(['execute_all', 'deny_on_first_deny', 'permit_on_first_permit']).default('execute_all') }).loose().optional(),
}).loose();

export type Evaluation = z.output<typeof evaluationSchema>;
export type Evaluations = z.output<typeof evaluationsSchema>;
