import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { harness } from '../support/harness.ts';
import { JWT_TYPE } from '../support/harness.ts';

describe('logs', () => {
  it('strip control characters, so a hostile value cannot forge a log line', () => {
    const lines: string[] = [];
    const log = createLogger((l) => lines.push(l));
    log.log('warn', 'upstream said\nFAKE', { agent: 'a\n{"level":"info","msg":"forged"}', esc: '\u001b[2Jclear', sep: 'x\u2028y' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\u0000-\u001f\u2028]/);
    expect(lines[0]).not.toContain('\\n');
    const parsed = JSON.parse(lines[0]!);
    expect(parsed.agent).toBe('a?{"level":"info","msg":"forged"}');
    expect(parsed.esc).toBe('?[2Jclear');
  });

  it('a human subject with control characters reaches the audit log escaped and the logs cleaned', async () => {
    const lines: string[] = [];
    const h = await harness({ log: createLogger((l) => lines.push(l), 'debug') });
    const res = await h.exchange({ subject_token: await h.human.mint('mallory\n\u001b[31m'), actor_token: await h.agentToken(), actor_token_type: JWT_TYPE, scope: 'demo:reports:read' });
    expect(res.status).toBe(200);
    const audit = await (await h.adminRequest('/v1/audit?after=0')).text();
    for (const line of audit.trim().split('\n')) expect(JSON.parse(line).type).toMatch(/^[a-z_.]+$/); // one event per line
    expect(audit).toContain('mallory\\n\\u001b[31m');
    for (const l of lines) expect(l).not.toMatch(/[\u0000-\u001f]/);
  });
});
