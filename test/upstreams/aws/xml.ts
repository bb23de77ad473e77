import { randomUUID } from 'node:crypto';

// The AWS Query protocol's XML answers, in the documented shapes:
// `<{Action}Response xmlns=…><{Action}Result>…</{Action}Result><ResponseMetadata><RequestId>…`
// and `<ErrorResponse xmlns=…><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.

export const NAMESPACE = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
} as const;

export type Service = keyof typeof NAMESPACE;

export interface XmlReply {
  status: number;
  body: string;
  /** also sent as the x-amzn-RequestId header, where the SDK reads it */
  requestId: string;
}

/** A tree of elements: strings are text, arrays are `<member>` lists, undefined is left out. */
export type XmlNode = string | number | boolean | undefined | XmlNode[] | { [name: string]: XmlNode };

export function ok(service: Service, action: string, result?: { [name: string]: XmlNode }): XmlReply {
  const inner = result ? `<${action}Result>${render(result)}</${action}Result>` : '';
  const requestId = randomUUID();
  return {
    status: 200,
    body: `<${action}Response xmlns="${NAMESPACE[service]}">${inner}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
    requestId,
  };
}

export function fail(service: Service, status: number, code: string, message: string): XmlReply {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  const requestId = randomUUID();
  return {
    status,
    body: `<ErrorResponse xmlns="${NAMESPACE[service]}"><Error><Type>${type}</Type><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    requestId,
  };
}

function render(node: XmlNode): string {
  if (node === undefined) return '';
  if (Array.isArray(node)) return node.map((n) => `<member>${render(n)}</member>`).join('');
  if (typeof node === 'object') return Object.entries(node).map(([k, v]) => (v === undefined ? '' : `<${k}>${render(v)}</${k}>`)).join('');
  return escape(String(node));
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Timestamps as AWS writes them: ISO 8601, whole seconds. */
export function awsTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
