import type { SortKey } from '../page.ts';

/** Sorts by (created_at desc, id desc), keeps what comes after `cursor`, and takes limit + 1. */
export function newestFirst<T extends { created_at: number; id: string }>(items: T[], cursor: SortKey | null, limit: number): T[] {
  const before = (r: T): boolean => {
    if (!cursor) return true;
    const [at, id] = cursor as [number, string];
    return r.created_at < at || (r.created_at === at && r.id < id);
  };
  return items
    .filter(before)
    .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, limit + 1);
}
