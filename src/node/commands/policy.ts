import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { UNREGISTERED_OWNER } from '../../grants/agent-registry.ts';
import { isActionClass } from '../../grants/action-class.ts';
import { createAgentRegistry } from '../../grants/agent-registry.ts';
import { checkPolicies, loadPolicies } from '../../policy/engine.ts';
import { trustDomainOf } from '../../identity/trust-domain.ts';
import { loadConfigFile, type LoadedConfig } from '../load-config.ts';
import { DEV_CONFIG, prepareDevData } from '../dev-mode.ts';
import { args, common, dataDir, print } from './args.ts';
import { CliError } from './cli-error.ts';

const HELP = `usage: tollgate policy check [--config PATH | --dev]
       tollgate policy explain --agent ID --action read|write|delete|admin --resource RES
                               [--human ID] [--depth N] [--ttl SECONDS] [--task T] [--intent TEXT] [--config PATH | --dev]

check: parses the policies and validates them against the Cedar schema (exit 1 on any problem).
explain: the decision for a sample request, and which policies matched, errored or decided.`;

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
    resource: { id: resource.id, provider: resource.provider, classification: resource.classification },
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
