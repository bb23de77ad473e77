import { describeAuditRetentionContract } from './audit-retention-contract.ts';
import { tempStore } from './fixtures.ts';

describeAuditRetentionContract('sqlite', tempStore);
