// A template string such as `{product_name} is now {new_price}` split once, at
// load, into literal text and placeholders, so rendering is a join.
// Braces are only ever placeholders: a template cannot print `{` or `}`.

export type Segment = { text: string } | { param: string };

const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;

/** The segments of `template`, or the reason it is not a template (a stray or malformed brace). */
export function parseTemplate(template: string): { segments: Segment[] } | { error: string } {
  const segments: Segment[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const before = template.slice(last, m.index);
    if (/[{}]/.test(before)) return { error: `stray brace in ${JSON.stringify(before)} (placeholders are {lower_snake_case})` };
    if (before !== '') segments.push({ text: before });
    segments.push({ param: m[1]! });
    last = m.index + m[0].length;
  }
  const rest = template.slice(last);
  if (/[{}]/.test(rest)) return { error: `stray brace in ${JSON.stringify(rest)} (placeholders are {lower_snake_case})` };
  if (rest !== '') segments.push({ text: rest });
  return { segments };
}

export function placeholdersOf(segments: readonly Segment[]): string[] {
  return segments.flatMap((s) => ('param' in s ? [s.param] : []));
}

export function fill(segments: readonly Segment[], values: Readonly<Record<string, string>>): string {
  let out = '';
  for (const s of segments) out += 'param' in s ? values[s.param] : s.text;
  return out;
}
