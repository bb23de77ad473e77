import { describeRiskStoreContract } from './risk-contract.ts';
import { tempStore } from './fixtures.ts';

describeRiskStoreContract('sqlite', tempStore);
