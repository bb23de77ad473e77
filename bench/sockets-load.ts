// The load generator of the sockets bench, in its own process (pinned to its own core by the
// caller): autocannon with `connections` connections for `seconds`, each request the next body.
//   node bench/sockets-load.ts JOB.json    → prints "start", then one JSON line of results
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';

interface Job {
  url: string;
  headers: Record<string, string>;
  bodies: string[];
  connections: number;
  seconds: number;
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Job;
let next = 0;
console.log('start');
const result = await autocannon({
  url: job.url,
  method: 'POST',
  headers: job.headers,
  connections: job.connections,
  duration: job.seconds,
  requests: [{ setupRequest: (req) => ({ ...req, body: job.bodies[next++ % job.bodies.length]! }) }],
});
console.log(
  JSON.stringify({
    ok: result['2xx'],
    not_ok: result.non2xx + result.errors + result.timeouts,
    rps: result.requests.average,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    used_bodies: next,
  }),
);
