// How a user actor's state is saved (apart from its notification pages): the
// fields that hold their defaults (null, empty, `online`, `offline`) are left
// out, and put back when the state is read. A connected user with one device
// saves about 150 bytes instead of 290, and the engine keeps that string for
// every user who was ever connected (the memory engine on the main thread, the
// redis engine in Redis), so it is most of what presence costs per user once
// the actor has passivated. States saved in full before this are read as they
// are: a missing field means its default, a present one is taken as written.
import type { Division } from '../../time/divisions.ts';
import type { ShownStatus } from './messages.ts';
import type { Held } from './quiet.ts';
import { newPresence, type Device, type Presence } from './rules.ts';

/** The state of a user actor without its notifications (what `core` saves). */
export interface UserCore {
  presence: Presence;
  nseq: number;
  rooms: string[];
  told: ShownStatus;
  division?: Division | null;
  held?: Held[];
}

type Packed = Record<string, unknown>;

function packDevice(d: Device): Packed {
  return d.device === null ? { node: d.node, lang: d.lang, since: d.since } : { node: d.node, lang: d.lang, device: d.device, since: d.since };
}

function packPresence(p: Presence): Packed {
  const devices: Record<string, Packed> = {};
  for (const sid in p.devices) devices[sid] = packDevice(p.devices[sid]!);
  const out: Packed = { devices };
  if (p.status !== 'online') out.status = p.status;
  if (p.current_page !== null) out.current_page = p.current_page;
  if (p.shopping_activity !== null && p.shopping_activity !== undefined) out.shopping_activity = p.shopping_activity;
  if (p.left_at !== null) out.left_at = p.left_at;
  if (p.last_seen !== null) out.last_seen = p.last_seen;
  if (p.lang !== null) out.lang = p.lang;
  return out;
}

/** The object saved for `core` (JSON-encoded by the runtime). `nseq` is always written: its absence marks a state saved before pages. */
export function packCore(core: UserCore): Packed {
  const out: Packed = { presence: packPresence(core.presence), nseq: core.nseq };
  if (core.rooms.length > 0) out.rooms = core.rooms;
  if (core.told !== 'offline') out.told = core.told;
  if (core.division !== undefined && core.division !== null) out.division = core.division;
  if (core.held !== undefined && core.held.length > 0) out.held = core.held;
  return out;
}

function unpackPresence(saved: Partial<Presence> | undefined): Presence {
  const p = newPresence();
  if (saved === undefined) return p;
  for (const sid in saved.devices ?? {}) {
    const d = saved.devices![sid]!;
    p.devices[sid] = { node: d.node, lang: d.lang, device: d.device ?? null, since: d.since };
  }
  if (saved.status !== undefined) p.status = saved.status;
  if (saved.current_page !== undefined) p.current_page = saved.current_page;
  if (saved.shopping_activity !== undefined) p.shopping_activity = saved.shopping_activity;
  if (saved.left_at !== undefined) p.left_at = saved.left_at;
  if (saved.last_seen !== undefined) p.last_seen = saved.last_seen;
  if (saved.lang !== undefined) p.lang = saved.lang;
  return p;
}

/**
 * A saved core back with every field (packed or saved in full). `nseq` stays
 * undefined for a state saved before pages, which still holds its list.
 */
export function unpackCore(saved: Record<string, unknown>): Omit<UserCore, 'nseq'> & { nseq: number | undefined } {
  return {
    presence: unpackPresence(saved.presence as Partial<Presence> | undefined),
    nseq: saved.nseq as number | undefined,
    rooms: (saved.rooms as string[] | undefined) ?? [],
    told: (saved.told as ShownStatus | undefined) ?? 'offline',
    division: (saved.division as Division | null | undefined) ?? null,
    held: (saved.held as Held[] | undefined) ?? [],
  };
}
