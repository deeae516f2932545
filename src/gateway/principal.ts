// Who is on the other end of a connection or a REST call.
import type { Division } from '../time/divisions.ts';
export const ROLES = ['customer', 'seller', 'support', 'admin', 'publisher'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** null for a guest. */
  userId: string | null;
  roles: ReadonlySet<Role>;
  lang: 'en' | 'bn' | undefined;
  /** Extra channels or prefixes ending in `*` from the token's `channels` claim. */
  channels: readonly string[];
  /** The token's `division` claim (one of the 8 divisions of Bangladesh), for prayer times. */
  division?: Division;
}

export const GUEST: Principal = Object.freeze({ userId: null, roles: new Set<Role>(), lang: undefined, channels: [] });

/** "Server roles" of PROTOCOL.md §10. */
export function isServer(p: Principal): boolean {
  return p.roles.has('publisher') || p.roles.has('admin');
}
