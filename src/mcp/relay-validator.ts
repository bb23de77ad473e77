import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';

/**
 * The JSON Schema validator the gateway gives the SDK's Server and upstream Clients. The SDK's
 * default builds an Ajv instance (with its formats) for every Server and Client; the gateway makes
 * a Server per request, so that was most of its per-call overhead, and Ajv's code generation is not
 * allowed on Workers anyway. The gateway never validates against a JSON Schema itself: it
 * relays tool results unchanged (the agent's client checks `structuredContent` against the tool's
 * `outputSchema`), reads upstream lists with `request` (not `listTools`, which would compile
 * validators), and never sends a form elicitation. Should the SDK ever ask, it fails closed.
 */
export const relayOnlyValidator: jsonSchemaValidator = {
  getValidator() {
    throw new Error('the MCP gateway relays JSON and does not validate it against JSON Schemas');
  },
};
