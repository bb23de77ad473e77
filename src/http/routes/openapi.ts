import type { RegisterRoutes } from '../env.ts';
import { CONTENT_SECURITY_POLICY } from '../../lib/content-security-policy.ts';
import { STYLESHEET } from '../../lib/page-styles.ts';
import { openApiDocument } from '../openapi/document.ts';
import { REFERENCE_STYLESHEET, referencePage } from '../openapi/reference-page.ts';

/** The OpenAPI 3.1 document of this interface, and its reference page for people (same-origin assets only). */
export const registerOpenApi: RegisterRoutes = (app, deps) => {
  app.get('/openapi.json', (c) => c.json(openApiDocument(deps), 200, { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' }));
  app.get('/openapi', (c) => c.html(referencePage(openApiDocument(deps) as Parameters<typeof referencePage>[0]), 200, { 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-frame-options': 'DENY', 'cache-control': 'public, max-age=300' }));
  app.get(REFERENCE_STYLESHEET, (c) => c.body(STYLESHEET, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300' }));
};
