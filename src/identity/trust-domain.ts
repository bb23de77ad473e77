/**
 * The trust domain policy sees for an agent id: a SPIFFE ID's trust domain, or for an `iss#sub`
 * id its issuer.
 */
export function trustDomainOf(agentId: string): string {
  const m = /^spiffe:\/\/([^/]+)/.exec(agentId);
  return m ? m[1]! : agentId.split('#')[0]!;
}
