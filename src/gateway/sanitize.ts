// No markup reaches another client (PROTOCOL.md §10): messages are reduced to
// text with sanitize-html rather than a hand-written tag stripper.
import sanitizeHtml from 'sanitize-html';

export function sanitizeText(input: string): string {
  return sanitizeHtml(input, { allowedTags: [], allowedAttributes: {}, disallowedTagsMode: 'discard' }).trim();
}
