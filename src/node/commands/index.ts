import { approvalsCommand } from './approvals.ts';
import { auditCommand } from './audit.ts';
import { devTokenCommand } from './dev-token.ts';
import { exchangeCommand } from './exchange.ts';
import { grantsCommand } from './grants.ts';
import { introspectCommand } from './introspect.ts';
import { policyCommand } from './policy.ts';
import { revokeCommand } from './revoke.ts';
import { riskCommand } from './risk.ts';
import { secretCommand } from './secret.ts';
import { serveCommand } from './serve.ts';
import { taskCommand } from './task.ts';
import { workerConfigCommand } from './worker-config.ts';
import { mcpGatewayCommand } from './mcp-gateway.ts';
import { mcpCommand } from './mcp.ts';

export const commands: Record<string, (argv: string[]) => Promise<number>> = {
  serve: serveCommand,
  'dev-token': devTokenCommand,
  exchange: exchangeCommand,
  introspect: introspectCommand,
  grants: grantsCommand,
  revoke: revokeCommand,
  risk: riskCommand,
  task: taskCommand,
  approvals: approvalsCommand,
  audit: auditCommand,
  policy: policyCommand,
  secret: secretCommand,
  'worker-config': workerConfigCommand,
  'mcp-gateway': mcpGatewayCommand,
  mcp: mcpCommand,
};
