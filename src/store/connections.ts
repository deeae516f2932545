// `connections`: one record per WebSocket session, written by the gateway on
// open/close and on activity (a hot path: the MongoDB store batches these).
import type { Page, PageRequest } from './page.ts';

export interface DeviceInfo {
  type?: string; // phone, tablet, desktop
  os?: string;
  app_version?: string;
  user_agent?: string;
}

/** Country, and a city or a division (Bangladesh's eight divisions). */
export interface Location {
  country?: string;
  city?: string;
  division?: string;
}

export interface ConnectionQuality {
  latency_ms?: number;
  packet_loss?: number; // 0..1
  bandwidth_kbps?: number;
}

export type ConnectionStatus = 'connected' | 'disconnected';

export interface ConnectionRecord {
  session_id: string;
  user_id: string;
  node_id: string;
  device: DeviceInfo;
  connected_at: number; // ms since epoch
  last_activity: number;
  channels: string[];
  location: Location | null;
  quality: ConnectionQuality | null;
  status: ConnectionStatus;
  disconnected_at: number | null;
}

export interface Connections {
  /** Creates or replaces the record of `session_id`. */
  upsert(record: ConnectionRecord): Promise<void>;
  /** Activity on a session: last_activity only moves forward; quality, when given, replaces the old one. Unknown sessions are ignored. */
  touch(sessionId: string, at: number, quality?: ConnectionQuality): Promise<void>;
  /** Replaces the channels a session is subscribed to. */
  setChannels(sessionId: string, channels: readonly string[]): Promise<void>;
  /** The session left at `at`: status `disconnected` (the record is kept until its TTL). */
  disconnect(sessionId: string, at: number): Promise<void>;
  get(sessionId: string): Promise<ConnectionRecord | null>;
  /** A user's sessions still connected, oldest first (multi-device). */
  listConnectedByUser(userId: string): Promise<ConnectionRecord[]>;
  /** Sessions a node still holds as connected, by session id: a dead node's are cleared by the survivors. */
  listConnectedByNode(nodeId: string, page?: PageRequest): Promise<Page<ConnectionRecord>>;
}
