// The README's event type table as text, and back: one row per catalogue row
// (event-catalogue.ts). The README test parses the table and compares it with
// the catalogue; `node --import tsx src/domain/channel/event-table.ts` prints
// the table to paste after a change.
import { eventCatalogue, type CatalogueRow } from './event-catalogue.ts';

export const TABLE_HEADER = '| type | channel namespace | event data (required; optional) | notification parameters | default priority |';
const NONE = '—';
const NOTIFICATION_ONLY = '— (notification only)';

const fields = (f: Record<string, string>): string =>
  Object.entries(f)
    .map(([name, kind]) => `\`${name}\` ${kind}`)
    .join(', ');

export function rowText(r: CatalogueRow): string {
  const ns = r.namespaces.length === 0 ? NOTIFICATION_ONLY : r.namespaces.map((n) => `\`${n}:\``).join(' ');
  const data = r.namespaces.length === 0 ? NONE : [fields(r.required), ...(Object.keys(r.optional).length > 0 ? [`optional: ${fields(r.optional)}`] : [])].join('; ');
  const params = Object.keys(r.params).length === 0 ? NONE : fields(r.params);
  return `| \`${r.type}\` | ${ns} | ${data} | ${params} | ${r.priority} |`;
}

export function tableText(rows: readonly CatalogueRow[] = eventCatalogue()): string {
  return [TABLE_HEADER, '|---|---|---|---|---|', ...rows.map(rowText)].join('\n');
}

function parseFields(cell: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (cell === NONE || cell === '') return out;
  for (const item of cell.split(', ')) {
    const m = /^`([a-z_]+)` (.+)$/.exec(item.trim());
    if (m === null) throw new Error(`a field is not "\`name\` kind": ${JSON.stringify(item)}`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** The rows of the table that starts with TABLE_HEADER in `markdown`. */
export function parseTable(markdown: string): CatalogueRow[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === TABLE_HEADER);
  if (start < 0) throw new Error('no event type table (its header line) in the text');
  const rows: CatalogueRow[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 5) throw new Error(`a row without 5 cells: ${line}`);
    const [type, ns, data, params, priority] = cells as [string, string, string, string, string];
    const [required = '', optional = ''] = data === NONE ? [] : data.split('; optional: ');
    rows.push({
      type: type.replace(/`/g, ''),
      namespaces: ns === NOTIFICATION_ONLY ? [] : ns.split(' ').map((n) => n.replace(/`/g, '').replace(/:$/, '')),
      required: parseFields(required),
      optional: parseFields(optional),
      params: parseFields(params),
      priority,
    });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(tableText());
