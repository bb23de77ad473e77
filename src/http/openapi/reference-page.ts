import { h, type Html } from '../../lib/html.ts';
import { inertJson } from '../../lib/inert-json.ts';

export const REFERENCE_STYLESHEET = '/openapi.css';

type Doc = {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Op>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, { description?: string }> };
};
type Op = {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, unknown>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown; description?: string }[];
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
};

/**
 * The reference page for people: every operation of the document, grouped by tag, with its
 * callers, parameters, request body and responses, and the shared schemas. Rendered here from the
 * document itself, so it says exactly what /openapi.json says; no script, nothing from elsewhere.
 */
export function referencePage(doc: Doc): Html {
  const byTag = new Map<string, [string, string, Op][]>();
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
    const tag = op.tags?.[0] ?? 'Other';
    byTag.set(tag, [...(byTag.get(tag) ?? []), [method, path, op]]);
  }
  // Line by line: the helper shows a line break inside an interpolated string as \u{000A}, and
  // these breaks are the layout's own (the document's text is made inert line by line).
  const schemaBlock = (s: unknown) => h`<pre class="schema">${inertJson(s, 2).split('\n').map((line) => h`${refLink(line)}
`)}</pre>`;
  const section = (tag: string, ops: [string, string, Op][]) => h`<h2 id="${anchor(tag)}">${tag}</h2>
    ${ops.map(([method, path, op]) => h`<section class="panel" id="${anchor(`${method} ${path}`)}">
      <h3><span class="badge">${method.toUpperCase()}</span> <code>${path}</code></h3>
      <p>${op.summary ?? ''}</p>${op.description ? h`<p class="muted">${op.description}</p>` : ''}
      <p><strong>Callers:</strong> ${op.security && op.security.length ? op.security.map((s, i) => h`${i ? ' or ' : ''}<a href="#security">${Object.keys(s)[0] ?? ''}</a>`) : 'anyone'}</p>
      ${op.parameters?.length ? h`<table><thead><tr><th>Parameter</th><th>In</th><th>Required</th><th>Schema</th></tr></thead><tbody>${op.parameters.map((p) => h`<tr><td><code>${p.name}</code></td><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td><td>${schemaBlock(p.schema)}</td></tr>`)}</tbody></table>` : ''}
      ${op.requestBody ? Object.entries(op.requestBody.content).map(([type, c]) => h`<p><strong>Body</strong> <code>${type}</code></p>${schemaBlock(c.schema)}`) : ''}
      <p><strong>Responses</strong></p>
      <table><tbody>${Object.entries(op.responses).map(([status, res]) => h`<tr><td><code>${status}</code></td><td>${res.description}${res.content ? Object.entries(res.content).map(([type, c]) => h`<div><code>${type}</code>${c.schema && type !== 'application/json' ? '' : schemaBlock(c.schema)}</div>`) : ''}</td></tr>`)}</tbody></table>
    </section>`)}`;
  return h`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${doc.info.title} HTTP API ${doc.info.version}</title><link rel="stylesheet" href="${REFERENCE_STYLESHEET}"></head>
<body><header><a class="brand" href="/openapi">${doc.info.title} HTTP API</a><nav>${[...byTag.keys()].map((t) => h`<a href="#${anchor(t)}">${t}</a>`)}<a href="/openapi.json">openapi.json</a></nav></header>
<main><h1>${doc.info.title} HTTP API <span class="badge">${doc.info.version}</span></h1>
<p>${doc.info.description ?? ''}</p>
<p>The same as <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI 3.1), generated from the schemas the routes validate requests with.</p>
${[...byTag].map(([tag, ops]) => section(tag, ops))}
<h2 id="security">Callers</h2>
<table><tbody>${Object.entries(doc.components?.securitySchemes ?? {}).map(([name, s]) => h`<tr><td><code>${name}</code></td><td>Bearer: ${s.description ?? ''}</td></tr>`)}</tbody></table>
<h2 id="schemas">Schemas</h2>
${Object.entries(doc.components?.schemas ?? {}).map(([name, s]) => h`<section class="panel" id="${anchor(`schema ${name}`)}"><h3><code>${name}</code></h3>${schemaBlock(s)}</section>`)}
</main></body></html>`;
}

const REF = /^(\s*)"\$ref": "#\/components\/schemas\/([^"]+)"(,?)$/;

/** A line naming a shared schema links to it. */
function refLink(line: string): Html | string {
  const m = REF.exec(line);
  return m ? h`${m[1]!}"$ref": <a href="#${anchor(`schema ${m[2]!}`)}">"#/components/schemas/${m[2]!}"</a>${m[3]!}` : line;
}

function anchor(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
