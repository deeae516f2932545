// No markup reaches another client (PROTOCOL.md §10): messages are reduced to
// text with sanitize-html rather than a hand-written tag stripper.
import sanitizeHtml from 'sanitize-html';

const MARKUP = /[<>&]/;

export function sanitizeText(input: string): string {
  // Most chat text has no markup at all; parsing it as HTML would cost tens of µs for nothing.
  if (!MARKUP.test(input)) return input.trim();
  return sanitizeHtml(input, { allowedTags: [], allowedAttributes: {}, disallowedTagsMode: 'discard' }).trim();
}
