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
import { deviceCount, newPresence, type Device, type Presence } from './rules.ts';

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

function packDevice(d: Device): Omit<Device, 'device'> | Device {
  const { device, ...rest } = d;
  return device === null ? rest : d;
}

/** The defaults a packed presence leaves out (every field but `devices`, compared by value: they are null, strings or numbers). */
const PRESENCE_DEFAULTS: Readonly<Presence> = newPresence();

/** The device that connected last (the greatest `since`; of equals, the last added). */
function newestDevice(devices: Record<string, Pick<Device, 'since' | 'lang'>>): Pick<Device, 'since' | 'lang'> | undefined {
  let newest: Pick<Device, 'since' | 'lang'> | undefined;
  for (const sid in devices) {
    const d = devices[sid]!;
    if (newest === undefined || d.since >= newest.since) newest = d;
  }
  return newest;
}

/** The `told` a packed state leaves out: what others see of a connected user's status, `offline` with no device. */
function toldByDefault(p: Presence): ShownStatus {
  if (deviceCount(p) === 0) return 'offline';
  return p.status === 'invisible' ? 'offline' : p.status;
}

function packPresence(p: Presence): Packed {
  const devices: Record<string, object> = {};
  for (const sid in p.devices) devices[sid] = packDevice(p.devices[sid]!);
  const out: Packed = { devices };
  const newest = newestDevice(p.devices);
  for (const key of Object.keys(p) as (keyof Presence)[]) {
    if (key === 'devices' || p[key] === PRESENCE_DEFAULTS[key]) continue;
    if (newest !== undefined && ((key === 'last_seen' && p.last_seen === newest.since) || (key === 'lang' && p.lang === newest.lang))) continue;
    out[key] = p[key];
  }
  return out;
}

/** The object saved for `core` (JSON-encoded by the runtime). `nseq` is always written: its absence marks a state saved before pages. */
export function packCore(core: UserCore): Packed {
  const out: Packed = { presence: packPresence(core.presence), nseq: core.nseq };
  if (core.rooms.length > 0) out.rooms = core.rooms;
  if (core.told !== toldByDefault(core.presence)) out.told = core.told;
  if (core.division !== undefined && core.division !== null) out.division = core.division;
  if (core.held !== undefined && core.held.length > 0) out.held = core.held;
  return out;
}

function unpackPresence(saved: Partial<Presence> | undefined): Presence {
  const devices: Record<string, Device> = {};
  for (const sid in saved?.devices ?? {}) {
    const d = saved!.devices![sid]!;
    devices[sid] = { ...d, device: d.device ?? null };
  }
  const newest = newestDevice(devices);
  const implied: Partial<Presence> = newest === undefined ? {} : { last_seen: newest.since, lang: newest.lang };
  return { ...newPresence(), ...implied, ...saved, devices };
}

/**
 * A saved core back with every field (packed or saved in full). `nseq` stays
 * undefined for a state saved before pages, which still holds its list.
 */
export function unpackCore(saved: Record<string, unknown>): Omit<UserCore, 'nseq'> & { nseq: number | undefined } {
  const presence = unpackPresence(saved.presence as Partial<Presence> | undefined);
  return {
    presence,
    nseq: saved.nseq as number | undefined,
    rooms: (saved.rooms as string[] | undefined) ?? [],
    told: (saved.told as ShownStatus | undefined) ?? toldByDefault(presence),
    division: (saved.division as Division | null | undefined) ?? null,
    held: (saved.held as Held[] | undefined) ?? [],
  };
}
