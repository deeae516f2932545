// Placement answers "which host owns this address". Today: a ring over the
// node's host threads. Later the cluster puts a ring over nodes in front of
// it (node first, then thread) behind the same small interface.
import type { Address } from './address.ts';

export interface Placement<T = number> {
  ownerOf(address: Address): T;
}
