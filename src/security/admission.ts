// Admission: may one more connection of this user, from this address, open?
// (PROTOCOL.md §9: per-user and per-IP limits, close 4029.) Behind an
// interface because a cluster counts across nodes: a Redis-counted
// implementation is asynchronous, so the check runs in the upgrade handler
// (already asynchronous) and only its verdict is acted on in `open`.

export type AdmissionVerdict = 'admitted' | 'user_limit' | 'ip_limit';

export interface Admission {
  /** Counts the connection in when it is under both limits; otherwise says which it is over and counts nothing. */
  admit(userId: string | null, ip: string): Promise<AdmissionVerdict>;
  /** An admitted connection opened (it is in the gateway's hub from now on). */
  opened(userId: string | null, ip: string): void;
  /** Undoes the count of an admitted connection: it closed after `opened`, or its upgrade was abandoned before. */
  release(userId: string | null, ip: string, wasOpen: boolean): void;
}
