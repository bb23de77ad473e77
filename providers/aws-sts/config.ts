import { z } from 'zod';
import { parseDuration } from '../../src/config/duration.ts';
import { awsCredentials, awsRegion } from '../../src/config/aws-credentials.ts';

/** Seconds, written as a number or as "15m", "1h" like Tollgate's other durations. */
const seconds = (min: number, max: number) =>
  z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const s = v === 0 || v === '0' ? 0 : parseDuration(v);
      if (s === null || s < min || s > max) {
        ctx.addIssue({ code: 'custom', message: `expected a duration between ${min} and ${max} seconds` });
        return z.NEVER;
      }
      return s;
    });

export const awsStsConfig = z
  .object({
    type: z.literal('aws-sts'),
    region: awsRegion,
    /** an STS endpoint other than the region's (a VPC endpoint, a local STS in tests) */
    endpoint: z.url().optional(),
    credentials: awsCredentials.default('default'),
    /** the roles' MaxSessionDuration; 3600 (the most STS allows when Tollgate itself runs as a role) */
    max_session_duration: seconds(900, 43_200).default(3600),
    /**
     * STS issues no credential shorter than 900 s, and grants are often shorter (they end with the
     * agent's token). Such a grant gets a 900 s credential only if it outlives the grant by at most
     * this much, else the exchange is refused. The default, 900, always issues (the lease records
     * STS's real expiry); 0 never lets a credential outlive its grant.
     */
    max_overrun: seconds(0, 900).default(900),
    /** the longest one call to STS or IAM may take */
    timeout: seconds(1, 60).default(5),
    /** revocation by an inline deny policy on the role; see emergency-deny.ts */
    emergency_deny: z.object({ enabled: z.boolean(), iam_endpoint: z.url().optional() }).strict().optional(),
  })
  .strict();

export type AwsStsConfig = z.output<typeof awsStsConfig>;
