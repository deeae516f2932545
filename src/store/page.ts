// Cursor pagination shared by every collection (PROTOCOL.md §10): `limit`
// defaults to 50, at most 500; the cursor is opaque to clients (base64url of
// the last item's sort key) and `next_cursor` is null at the end.
import { HaatError } from '../errors.ts';

export interface PageRequest {
  limit?: number;
  cursor?: string | null;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new HaatError('bad_request', 'limit must be a positive integer');
  return Math.min(limit, MAX_LIMIT);
}

/** A sort key: the values an ordering compares, last one unique (an id or offset). */
export type SortKey = readonly (string | number)[];

export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined, arity: number): SortKey | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (err) {
    throw new HaatError('bad_request', 'cursor is not one this server gave', { cause: err });
  }
  if (!Array.isArray(key) || key.length !== arity || !key.every((v) => typeof v === 'string' || typeof v === 'number')) {
    throw new HaatError('bad_request', 'cursor is not one this server gave');
  }
  return key as SortKey;
}

/** Builds the page from `limit + 1` fetched items: the extra one only says there is more. */
export function pageOf<T>(fetched: T[], limit: number, keyOf: (item: T) => SortKey): Page<T> {
  const items = fetched.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: fetched.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
