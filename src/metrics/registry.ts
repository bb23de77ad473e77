/** Upper bounds of the request-duration histogram, in seconds. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Series {
  count: number;
  sum: number;
  buckets: number[];
}

/**
 * Request counters and durations kept in memory, per process (per isolate on Workers), by the
 * route pattern that answered and the status class: bounded cardinality whatever clients send.
 */
export class RequestMetrics {
  readonly #requests = new Map<string, number>();
  readonly #durations = new Map<string, Series>();

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
    const dkey = `${method} ${route}`;
    let s = this.#durations.get(dkey);
    if (!s) this.#durations.set(dkey, (s = { count: 0, sum: 0, buckets: BUCKETS.map(() => 0) }));
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) s.buckets[i]!++;
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [
      '# HELP tollgate_http_requests_total HTTP requests answered, by method, route pattern and status.',
      '# TYPE tollgate_http_requests_total counter',
    ];
    for (const [key, n] of this.#requests) {
      const [method, route, status] = key.split(' ');
      out.push(`tollgate_http_requests_total{method="${method}",route="${escape(route!)}",status="${status}"} ${n}`);
    }
    out.push('# HELP tollgate_http_request_duration_seconds Time to answer, by method and route pattern.', '# TYPE tollgate_http_request_duration_seconds histogram');
    for (const [key, s] of this.#durations) {
      const [method, route] = key.split(' ');
      const l = `method="${method}",route="${escape(route!)}"`;
      BUCKETS.forEach((b, i) => out.push(`tollgate_http_request_duration_seconds_bucket{${l},le="${b}"} ${s.buckets[i]}`));
      out.push(`tollgate_http_request_duration_seconds_bucket{${l},le="+Inf"} ${s.count}`);
      out.push(`tollgate_http_request_duration_seconds_sum{${l}} ${s.sum}`);
      out.push(`tollgate_http_request_duration_seconds_count{${l}} ${s.count}`);
    }
    return out.join('\n') + '\n';
  }
}

function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
