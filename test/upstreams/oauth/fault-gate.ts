import type { RequestListener, ServerResponse } from 'node:http';
import type { Fault } from '../../providers/fixture.ts';

export interface FaultGate {
  /** the server's request listener: the fault, or the upstream */
  listener: RequestListener;
  /** the upstream behind the gate */
  forwardTo(next: RequestListener): void;
  set(kind: Fault): void;
  /** how many requests reached the server (faulted or not) since it started */
  requests(): number;
}

/**
 * What sits in front of the test authorization server, on the same socket, and makes it
 * misbehave on demand: 'timeout' holds every request without an answer, '5xx' answers 500 with
 * no OAuth body, '4xx' answers 400 invalid_grant, 'none' lets requests through. Held requests
 * are dropped when the fault changes, so no socket outlives the test that hung it.
 */
export function faultGate(): FaultGate {
  let fault: Fault = 'none';
  let next: RequestListener | null = null;
  const held = new Set<ServerResponse>();
  let requests = 0;
  return {
    listener(req, res) {
      requests++;
      if (fault === 'timeout') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      if (fault === '5xx') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('injected upstream failure');
      if (fault === '4xx') return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant', error_description: 'injected refusal' }));
      if (!next) return void res.writeHead(503).end();
      next(req, res);
    },
    forwardTo(listener) {
      next = listener;
    },
    set(kind) {
      fault = kind;
      for (const res of held) res.destroy();
    },
    requests: () => requests,
  };
}
