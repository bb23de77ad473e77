// Test fixture: runs one token exchange in-process and kills itself with SIGKILL at a chosen
// point, as a power cut would. Usage: node crash-child.ts CONFIG after_record|after_issue TOKEN OUT
import { writeFileSync } from 'node:fs';
import { createApp } from '../../src/app.ts';
import { TOKEN_EXCHANGE_GRANT } from '../../src/grants/exchange-request.ts';
import { silentLogger } from '../../src/log.ts';
import { buildNodeDeps } from '../../src/node/build-deps.ts';
import { loadConfigFile } from '../../src/node/load-config.ts';

const [configPath, mode, token, out] = process.argv.slice(2) as [string, string, string, string];
const deps = await buildNodeDeps(loadConfigFile(configPath, {}), { log: silentLogger });
const die = () => process.kill(process.pid, 'SIGKILL');

if (mode === 'after_record') {
  const create = deps.store.createGrant.bind(deps.store);
  deps.store.createGrant = async (g, e) => {
    await create(g, e);
    writeFileSync(out, JSON.stringify({ grant_id: g.id }));
    die();
  };
} else {
  const issue = deps.grantTokens.issue.bind(deps.grantTokens);
  deps.grantTokens = {
    ...deps.grantTokens,
    name: deps.grantTokens.name,
    type: deps.grantTokens.type,
    upstreamTokenTypes: [],
    issue: async (req) => {
      const issued = await issue(req);
      writeFileSync(out, JSON.stringify({ grant_id: req.grant.id, token: issued.token }));
      die();
      return issued;
    },
  };
}

await createApp(deps).request('/oauth/token', {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: token,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    scope: 'demo:reports:read',
    task_id: 'crash-task',
  }),
});
console.error('crash-child: the exchange finished; the crash point was never reached');
process.exit(3);
