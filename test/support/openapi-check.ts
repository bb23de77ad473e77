import { Ajv2020 } from 'ajv/dist/2020.js';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> };

export interface ResponseCheck {
  /** null when the response matches the document; otherwise what does not */
  problem(method: string, url: string, res: Response): Promise<string | null>;
}

const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks real responses against the OpenAPI document: the path and method are documented, the
 * status is one the operation lists, and a JSON body validates against that status's schema
 * (JSON Schema 2020-12, as OpenAPI 3.1 uses it, with Ajv).
 */
export function responseCheck(doc: Doc): ResponseCheck {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
  ajv.addSchema(doc as object, 'openapi');
  const templates = Object.keys(doc.paths).map((t) => ({ t, re: new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`) }));
  return {
    async problem(method, url, res) {
      const path = new URL(url, 'http://x').pathname;
      const m = method.toLowerCase();
      const found = templates.find(({ t, re }) => re.test(path) && doc.paths[t]![m]);
      // An unknown path is no operation: the app's 404 for it is all there is to say.
      if (!found) return res.status === 404 && !templates.some(({ re }) => re.test(path)) ? null : `${method} ${path} is not in the document`;
      const responses = doc.paths[found.t]![m]!.responses;
      const documented = responses[String(res.status)];
      if (!documented) return `${method} ${found.t} answered ${res.status}, which the document does not list (${Object.keys(responses).join(', ')})`;
      const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
      if (type !== 'application/json') return null;
      if (!documented.content?.['application/json']) return `${method} ${found.t} ${res.status} answered JSON the document does not describe`;
      const body: unknown = await res.clone().json();
      const ref = `openapi#/paths/${pointer(found.t)}/${m}/responses/${res.status}/content/${pointer('application/json')}/schema`;
      const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
      if (validate(body)) return null;
      return `${method} ${found.t} ${res.status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 300)}`;
    },
  };
}
