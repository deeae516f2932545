// Rosters: who a node holds (the seed's SOCKET_USER pattern, per node). A node
// adds a user when the user's first connection opens there and removes it
// when the last closes; when the node dies, a survivor reads its roster to
// tell those users' actors that its devices are gone (no ghosts in presence).

export interface RosterEngine {
  add(roster: string, member: string): Promise<void>;
  remove(roster: string, member: string): Promise<void>;
  members(roster: string): Promise<string[]>;
  drop(roster: string): Promise<void>;
}
