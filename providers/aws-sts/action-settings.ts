import { z } from 'zod';
import { roleArn } from '../../src/config/aws-role-arn.ts';

// One action class of a catalog resource: the role to assume and the session policy template
// that narrows it. Either a full policy document, or the shorthand `actions` + `resources` for
// the common case of one Allow statement.

const oneOrMore = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const conditionValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1)]);

/** An identity-policy statement (session policies have no Principal). */
const statement = z
  .object({
    Sid: z.string().regex(/^[A-Za-z0-9]+$/, 'a Sid is letters and digits').optional(),
    Effect: z.enum(['Allow', 'Deny']),
    Action: oneOrMore.optional(),
    NotAction: oneOrMore.optional(),
    Resource: oneOrMore.optional(),
    NotResource: oneOrMore.optional(),
    Condition: z.record(z.string().min(1), z.record(z.string().min(1), conditionValue)).optional(),
  })
  .strict()
  .refine((s) => (s.Action === undefined) !== (s.NotAction === undefined), { message: 'give exactly one of Action, NotAction' })
  .refine((s) => (s.Resource === undefined) !== (s.NotResource === undefined), { message: 'give exactly one of Resource, NotResource' });

export type Statement = z.output<typeof statement>;

const policyDocument = z
  .object({
    // The only version with policy variables and the current grammar; older is refused, not guessed at.
    Version: z.literal('2012-10-17').optional(),
    Statement: z.array(statement).min(1).max(100),
  })
  .strict();

export const awsStsAction = z
  .object({
    role_arn: roleArn,
    policy: policyDocument.optional(),
    actions: z.array(z.string().min(1)).min(1).optional(),
    resources: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict()
  .refine((a) => (a.policy ? !a.actions && !a.resources : Boolean(a.actions && a.resources)), {
    message: 'give either policy (a document with Statement[]) or actions with resources',
  })
  .transform((a) => ({
    roleArn: a.role_arn,
    statements: a.policy?.Statement ?? [{ Effect: 'Allow' as const, Action: a.actions!, Resource: a.resources! }],
  }));

export type AwsStsAction = z.output<typeof awsStsAction>;
