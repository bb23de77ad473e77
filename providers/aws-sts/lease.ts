import { z } from 'zod';

/**
 * What revocation needs to find one STS session again, and nothing secret: the role, the
 * session's name and source identity (which the deny policy matches), and when STS said the
 * session ends (epoch seconds; the deny policy is removed after that).
 */
const leaseSchema = z
  .object({
    role_arn: z.string().min(1),
    session_name: z.string().min(1),
    source_identity: z.string().min(1),
    expires: z.number().int().positive(),
  })
  .strict();

export type AwsLease = z.output<typeof leaseSchema>;

export function encodeLease(lease: AwsLease): string {
  return JSON.stringify(lease);
}

/** null for no lease, or for one this provider did not write (then the grant itself is the guide). */
export function decodeLease(lease: string | null): AwsLease | null {
  if (lease === null) return null;
  try {
    const parsed = leaseSchema.safeParse(JSON.parse(lease));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
