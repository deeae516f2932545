// JSON.parse accepts nesting as deep as a frame or body can spell (8,000
// levels in 16 KB), but JSON.stringify, zod and structured cloning recurse and
// overflow the stack a few thousand levels down: one such frame crashed the
// node (found by the fuzz test). Requests are refused past MAX_JSON_DEPTH.
import { HaatError } from '../errors.ts';

/** Far more than any real frame or body nests, far less than what overflows a stack. */
export const MAX_JSON_DEPTH = 64;

/** Whether a parsed JSON value nests arrays/objects deeper than `max` levels (without recursion). */
export function jsonTooDeep(value: unknown, max = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: { v: object; depth: number }[] = [{ v: value, depth: 1 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (depth > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) if (typeof c === 'object' && c !== null) stack.push({ v: c, depth: depth + 1 });
  }
  return false;
}

export function tooDeepError(): HaatError {
  return new HaatError('bad_request', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
}
