import { ADMIN_KEY } from '../support/harness.ts';

/** A browser's side of the console, in process: a cookie jar, the Origin header, and the CSRF tokens pages carry. */
export interface ConsoleClient {
  get(path: string): Promise<Response>;
  /** a form post from the console's own origin (unless `headers` say otherwise; null leaves a header out), with the CSRF token of the last page read */
  post(path: string, fields: Record<string, string>, headers?: Record<string, string | null>): Promise<Response>;
  csrf(): string;
  cookies: Map<string, string>;
}

/** How the client reaches Tollgate: a harness's app.request, or fetch to a running server. */
export type Requester = { request(path: string, init?: RequestInit): Promise<Response> | Response };

export function consoleClient(h: Requester, origin: string): ConsoleClient {
  const cookies = new Map<string, string>();
  let csrf = '';
  const remember = async (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      if (/Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    if ((res.headers.get('content-type') ?? '').startsWith('text/html')) {
      const text = await res.clone().text();
      const m = /name="csrf" value="([^"]+)"/.exec(text);
      if (m) csrf = m[1]!;
    }
    return res;
  };
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return {
    cookies,
    csrf: () => csrf,
    get: async (path) => remember(await h.request(path, { headers: { cookie: cookieHeader() }, redirect: 'manual' })),
    post: async (path, fields, headers = {}) => {
      const all: Record<string, string | null> = { cookie: cookieHeader(), origin, 'content-type': 'application/x-www-form-urlencoded', ...headers };
      const sent = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== null));
      return remember(await h.request(path, { method: 'POST', headers: sent, body: new URLSearchParams({ csrf, ...fields }), redirect: 'manual' }));
    },
  };
}

/** Signs `client` in with the bootstrap admin key, as the sign-in page's form does. */
export async function signInWithKey(client: ConsoleClient, key = ADMIN_KEY): Promise<Response> {
  await client.get('/console/sign-in');
  return client.post('/console/sign-in/key', { key });
}
