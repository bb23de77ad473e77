import { z } from 'zod';
import { roleArn } from './aws-role-arn.ts';

/**
 * Where Tollgate's own AWS identity comes from: the SDK's default chain (environment, shared
 * files, SSO, ECS/EKS/EC2 roles), an explicit web-identity role (an OIDC token file, as EKS
 * projects it), or static keys — for tests against a local AWS service only.
 */
export const awsCredentials = z.union(
  [
    z.literal('default'),
    z.object({ web_identity: z.object({ role_arn: roleArn, token_file: z.string().min(1) }).strict() }).strict(),
    z.object({ static: z.object({ access_key_id: z.string().min(16).max(128), secret_access_key: z.string().min(1) }).strict() }).strict(),
  ],
  { error: "expected 'default', { web_identity: { role_arn, token_file } } or { static: { access_key_id, secret_access_key } }" },
);

export const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as eu-west-1');
