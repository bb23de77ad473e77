import { z } from 'zod';

// arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME, as IAM writes role ARNs: the path is printable
// ASCII, the name at most 64 of [\w+=,.@-]. Anchored, so nothing else slips in.
const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/(?:[\u0021-\u007e]{0,510}\/)?[\w+=,.@-]{1,64}$/;

export const roleArn = z.string().regex(ROLE_ARN, 'expected a role ARN such as arn:aws:iam::123456789012:role/reports');

/** IAM's role-policy calls take the role's name, not its ARN. */
export function roleName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}
