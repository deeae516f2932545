// Reminders (Orleans): persisted timers of an actor that survive passivation,
// restarts and takeover. Whoever owns the actor when one is due delivers it.

export interface Reminder {
  address: string;
  name: string;
  dueAt: number;
}

export interface ReminderEngine {
  /** Sets (or moves) the reminder `name` of `address`. */
  set(r: Reminder): Promise<void>;
  cancel(address: string, name: string): Promise<void>;
  /** Reminders due at or before `now`, oldest first (they stay set until cancelled or re-set). */
  due(now: number, limit: number): Promise<Reminder[]>;
}
