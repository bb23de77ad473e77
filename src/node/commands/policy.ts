import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { UNREGISTERED_OWNER } from '../../grants/agent-registry.ts';
import { isActionClass } from '../../model/action-class.ts';
import { createAgentRegistry } from '../../grants/agent-registry.ts';
import { checkPolicies, loadPolicies } from '../../policy/engine.ts';
import { trustDomainOf } from '../../identity/trust-domain.ts';
import { loadConfigFile, type LoadedConfig } from '../load-config.ts';
import { DEV_CONFIG, prepareDevData } from '../dev-mode.ts';
import { args, common, dataDir, print } from './args.ts';
import { CliError } from './cli-error.ts';
import { classify } from '../../mcp/catalog.ts';

const HELP = `usage: tollgate policy check [--config PATH | --dev]
       tollgate policy explain --agent ID --action read|write|delete|admin --resource RES
                               [--human ID] [--depth N] [--ttl SECONDS] [--task T] [--intent TEXT] [--config PATH | --dev]
       tollgate policy explain --agent ID --mcp-server NAME (--tool N | --mcp-resource URI | --prompt N) [...]

check: parses the policies and validates them against the Cedar schema (exit 1 on any problem).
explain: the decision for a sample request, and which policies matched, errored or decided.
  With --mcp-server, the action class, resource and classification come from the MCP catalog;
  a tool, resource or prompt the catalog does not classify is denied (exit 1) before any policy.`;

export async function policyCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') return console.log(HELP), 0;
  if (sub !== 'check' && sub !== 'explain') throw new CliError(HELP, 2);
  const { values: v } = args(
    rest,
    {
      ...common,
      config: { type: 'string' },
      dev: { type: 'boolean' },
      agent: { type: 'string' },
      action: { type: 'string' },
      resource: { type: 'string' },
      human: { type: 'string' },
      depth: { type: 'string' },
      ttl: { type: 'string' },
      task: { type: 'string' },
      intent: { type: 'string' },
      'mcp-server': { type: 'string' },
      tool: { type: 'string' },
      'mcp-resource': { type: 'string' },
      prompt: { type: 'string' },
    },
    HELP,
  );
  if (v.help) return console.log(HELP), 0;
  const loaded = await load(v);
  if (sub === 'check') {
    const result = checkPolicies(cedar, loaded.schemaText, loaded.policySources);
    print(result);
    return result.ok ? 0 : 1;
  }
  let classification: string | undefined;
  if (v['mcp-server']) {
    const c = mcpClassification(loaded, v['mcp-server'], v);
    if (!c.classified) {
      print({ decision: 'deny', reason: `${c.what} is not classified in the catalog of MCP server ${v['mcp-server']}: the gateway denies it before policy` });
      return 1;
    }
    v.action = c.action;
    v.resource = c.resource;
    classification = c.classification;
  }
  if (!v.agent || !v.action || !v.resource) throw new CliError(`--agent, --action and --resource are required\n\n${HELP}`, 2);
  if (!isActionClass(v.action)) throw new CliError('--action must be read, write, delete or admin', 2);
  const resource = loaded.config.resources.find((r) => r.id === v.resource);
  if (!resource) throw new CliError(`no resource ${v.resource} in the catalog`, 1);
  const agent = createAgentRegistry(loaded.config.agents).lookup(v.agent);
  if (!agent) console.error(`note: ${v.agent} is not registered; the server would answer unauthorized_client`);
  const engine = loadPolicies(cedar, loaded.schemaText, loaded.policySources);
  const explanation = engine.explain({
    agent: { id: v.agent, owner: agent?.owner ?? UNREGISTERED_OWNER, trust_domain: trustDomainOf(v.agent), risk: agent?.risk ?? 'low' },
    principal: v.human ? { id: v.human, risk: 'low' } : null,
    action: v.action,
    resource: { id: resource.id, provider: resource.provider, classification: classification ?? resource.classification },
    context: {
      task_id: v.task ?? 'explain',
      intent: v.intent ?? '',
      delegation_depth: Number(v.depth ?? (v.human ? 1 : 0)),
      requested_ttl: Number(v.ttl ?? loaded.config.server.limits.default_ttl),
      now: Math.floor(Date.now() / 1000),
    },
  });
  print(explanation);
  return explanation.decision.decision === 'allow' ? 0 : 1;
}

async function load(v: { config?: string; dev?: boolean; data?: string }): Promise<LoadedConfig> {
  if (v.dev || (!v.config && !process.env.TOLLGATE_CONFIG)) {
    const dev = await prepareDevData(dataDir(v), 8787);
    return loadConfigFile(DEV_CONFIG, { ...process.env, ...dev.env });
  }
  return loadConfigFile(v.config ?? process.env.TOLLGATE_CONFIG!);
}

/** What the MCP catalog says of a tool, resource or prompt: its action class and classification, or unclassified. */
function mcpClassification(loaded: LoadedConfig, server: string, v: { tool?: string; 'mcp-resource'?: string; prompt?: string }):
  | { classified: true; action: string; resource: string; classification: string | undefined }
  | { classified: false; what: string } {
  const s = Object.hasOwn(loaded.config.mcp.servers, server) ? loaded.config.mcp.servers[server]! : null;
  if (!s) throw new CliError(`no MCP server ${server} in the config`, 1);
  const asked = ([['tool', v.tool], ['resource', v['mcp-resource']], ['prompt', v.prompt]] as const).filter(([, x]) => x !== undefined);
  if (asked.length !== 1) throw new CliError('with --mcp-server give one of --tool, --mcp-resource, --prompt', 2);
  const [kind, name] = asked[0]!;
  const c = classify(s, kind, name!);
  if (!c) return { classified: false, what: `${kind} ${name}` };
  return { classified: true, action: c.action, resource: s.resource, classification: c.classification };
}
