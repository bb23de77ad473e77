// Each command is imported only when it runs: `tollgate --help` or `tollgate introspect` must not pay
// for Cedar, SQLite, the AWS SDK or the MCP SDK that other commands load.
type Command = (argv: string[]) => Promise<number>;

export const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.ts')).serveCommand,
  'dev-token': async () => (await import('./dev-token.ts')).devTokenCommand,
  exchange: async () => (await import('./exchange.ts')).exchangeCommand,
  introspect: async () => (await import('./introspect.ts')).introspectCommand,
  grants: async () => (await import('./grants.ts')).grantsCommand,
  revoke: async () => (await import('./revoke.ts')).revokeCommand,
  freeze: async () => (await import('./freeze.ts')).freezeCommand,
  unfreeze: async () => (await import('./freeze.ts')).unfreezeCommand,
  risk: async () => (await import('./risk.ts')).riskCommand,
  task: async () => (await import('./task.ts')).taskCommand,
  approvals: async () => (await import('./approvals.ts')).approvalsCommand,
  audit: async () => (await import('./audit.ts')).auditCommand,
  policy: async () => (await import('./policy.ts')).policyCommand,
  secret: async () => (await import('./secret.ts')).secretCommand,
  'worker-config': async () => (await import('./worker-config.ts')).workerConfigCommand,
  'mcp-gateway': async () => (await import('./mcp-gateway.ts')).mcpGatewayCommand,
  mcp: async () => (await import('./mcp.ts')).mcpCommand,
};
