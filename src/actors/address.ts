// Actors are virtual and addressed as `kind:id` (Orleans style): the kind picks
// the behaviour, the id the instance. Ids may themselves contain ':' (e.g.
// `channel:product:p1`), so only the first ':' separates.

export type Address = string;

export interface ParsedAddress {
  kind: string;
  id: string;
}

const KIND = /^[a-z][a-z0-9_-]{0,31}$/;

export function parseAddress(address: string): ParsedAddress | undefined {
  const i = address.indexOf(':');
  if (i <= 0 || i === address.length - 1) return undefined;
  const kind = address.slice(0, i);
  if (!KIND.test(kind)) return undefined;
  return { kind, id: address.slice(i + 1) };
}

export function address(kind: string, id: string): Address {
  return `${kind}:${id}`;
}
