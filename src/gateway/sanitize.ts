// No markup reaches another client (PROTOCOL.md §10): messages are reduced to
// text with sanitize-html rather than a hand-written tag stripper. What stays
// is text with `&`, `<` and `>` entity-escaped (README "Chat").
import sanitizeHtml from 'sanitize-html';

const MARKUP = /[<>&]/;
const OPTIONS: sanitizeHtml.IOptions = { allowedTags: [], allowedAttributes: {}, disallowedTagsMode: 'discard' };

/** The text without markup, as it is otherwise (not trimmed). */
export function stripMarkup(input: string): string {
  // Most text has no markup at all; parsing it as HTML would cost tens of µs for nothing.
  return MARKUP.test(input) ? sanitizeHtml(input, OPTIONS) : input;
}

/** A chat message: without markup, trimmed. */
export function sanitizeText(input: string): string {
  return stripMarkup(input).trim();
}

/** Every string of a JSON value (object keys too) without markup: a message's metadata reaches the room as it is. */
export function stripMarkupDeep(value: unknown): unknown {
  if (typeof value === 'string') return stripMarkup(value);
  if (Array.isArray(value)) return value.map(stripMarkupDeep);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) Object.defineProperty(out, stripMarkup(k), { value: stripMarkupDeep(v), enumerable: true, writable: true, configurable: true });
  return out;
}

const ENTITY = /&(?:amp|lt|gt|quot|#39);/g;

/** The characters a reader sees of sanitized text (an escaped `&amp;` is one), in code points. */
export function visibleLength(sanitized: string): number {
  let n = 0;
  for (const _ of sanitized.replace(ENTITY, '&')) n++;
  return n;
}
