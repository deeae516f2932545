// The security log of PROTOCOL.md §10 (`GET admin/security-events`): what was
// refused or closed for abuse, newest first. An interface, because a cluster
// keeps one log for all nodes (an engine log); memory-security-log.ts is the
// single-node implementation.

export type SecurityEventKind =
  | 'flooding'
  | 'rate_limited'
  | 'connection_limit'
  | 'bad_token'
  | 'bad_signature'
  | 'spam'
  | 'abuse'
  | 'admin_disconnect'
  // Extensions (README "Spam and abuse"): refused upgrades and HTTP bodies.
  | 'reconnect_storm'
  | 'upgrade_rate'
  | 'pending_upgrades'
  | 'slow_body'
  | 'body_too_large';

/** Every kind, in the order of PROTOCOL.md §10 and then the extensions. */
export const SECURITY_EVENT_KINDS: readonly SecurityEventKind[] = ['flooding', 'rate_limited', 'connection_limit', 'bad_token', 'bad_signature', 'spam', 'abuse', 'admin_disconnect', 'reconnect_storm', 'upgrade_rate', 'pending_upgrades', 'slow_body', 'body_too_large'];

/** What the reporter knows; the log adds the time and the node. */
export interface SecurityEventInput {
  kind: SecurityEventKind;
  user_id: string | null;
  session_id: string | null;
  ip: string | null;
  detail: string;
}

/** One entry as `GET admin/security-events` shows it. */
export interface SecurityEvent extends SecurityEventInput {
  /** ISO 8601 in Asia/Dhaka. */
  ts: string;
  node: string;
}

export interface SecurityPage {
  events: SecurityEvent[];
  /** Opaque; null at the end. */
  next_cursor: string | null;
}

export interface SecurityLog {
  /** Fire and forget: recording never fails the request that caused it. */
  record(event: SecurityEventInput): void;
  /**
   * Newest first; `cursor` is a previous page's `next_cursor`. A malformed
   * cursor is `bad_request`. With `kinds`, only events of those kinds (an
   * extension: `?kind=spam,abuse`); a page may then hold fewer than `limit`
   * events with a next page still to come (a scan is bounded).
   */
  list(limit: number, cursor: string | undefined, kinds?: ReadonlySet<SecurityEventKind>): Promise<SecurityPage>;
}
