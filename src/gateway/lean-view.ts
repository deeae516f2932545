// A connection's lean mode as clients (`authenticated`, `lean_mode`) and admins see it.
import type { LeanConn } from './connection.ts';

export function leanView(lean: LeanConn | undefined): { class: string; window_ms: number; source: string } | null {
  return lean ? { class: lean.cls, window_ms: lean.windowMs, source: lean.source } : null;
}
