// The README's event type table against the code (so the doc cannot drift):
// the table is parsed and compared with the catalogue derived from the event
// schemas and the notification parameters; then every row is tried on the
// checkers themselves, so a row says what publishing and rendering enforce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventCatalogue, SEED_EVENT_TYPES, type CatalogueRow } from './event-catalogue.ts';
import { parseTable } from './event-table.ts';
import { checkClientEvent, EVENT_TYPES, eventRule } from './event-schemas.ts';
import { renderBoth } from '../notification/notify.ts';
import { HaatError } from '../../errors.ts';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const readmeRows = (): CatalogueRow[] => parseTable(readFileSync(README, 'utf8'));
const key = (r: CatalogueRow): string => `${r.type} ${r.namespaces.join(',')}`;
const sorted = (rows: CatalogueRow[]): CatalogueRow[] => [...rows].sort((a, b) => key(a).localeCompare(key(b)));

test('the README event type table is exactly the catalogue of the code', () => {
  assert.deepEqual(sorted(readmeRows()), sorted(eventCatalogue()));
});

test('the seed has twelve typed types, each with a schema; every event schema a client may publish is in the table', () => {
  assert.equal(new Set(SEED_EVENT_TYPES).size, 12);
  const rows = eventCatalogue();
  for (const type of SEED_EVENT_TYPES) {
    const mine = rows.filter((r) => r.type === type);
    assert.ok(mine.length > 0, type);
    assert.ok(mine.every((r) => Object.keys(r.required).length + Object.keys(r.params).length > 0), `${type} has fields`);
  }
  const clientPublishable = EVENT_TYPES.filter((t) => eventRule(t)?.serverOnly !== true);
  assert.deepEqual([...new Set(rows.filter((r) => r.namespaces.length > 0).map((r) => r.type))].sort(), [...clientPublishable].sort());
});

/** A value of a kind word of the table. */
function sample(kind: string): unknown {
  if (kind.startsWith('one of ')) return kind.slice('one of '.length).split(' ')[0];
  const values: Record<string, unknown> = {
    string: 'x-1',
    amount: 1350.5,
    number: 10,
    'integer >= 0': 3,
    'ISO 8601': '2026-12-08T18:00:00+06:00',
    text: 'Walton fridge',
    code: 'o-1001',
    price: 1350.5,
    percent: 10,
    datetime: '2026-12-08T18:00:00+06:00',
    date: '2026-12-08T18:00:00+06:00',
    order_status: 'shipped',
    payment_status: 'success',
    provider: 'bkash',
  };
  assert.ok(Object.hasOwn(values, kind), `no sample for kind ${kind}`);
  return values[kind];
}
const sampleOf = (fields: Record<string, string>): Record<string, unknown> => Object.fromEntries(Object.entries(fields).map(([f, k]) => [f, sample(k)]));

test('every README row is what the checkers enforce: its fields pass, each required one missing or of another kind fails naming it', () => {
  for (const row of readmeRows()) {
    for (const ns of row.namespaces) {
      const data = { ...sampleOf(row.required), ...sampleOf(row.optional) };
      assert.equal(checkClientEvent(ns, row.type, data), undefined, `${row.type} on ${ns}:`);
      assert.equal(checkClientEvent(ns, row.type, sampleOf(row.required)), undefined, `${row.type} on ${ns}: without its optional fields`);
      for (const field of [...Object.keys(row.required), ...Object.keys(row.optional)]) {
        const isRequired = Object.hasOwn(row.required, field);
        if (isRequired) {
          const { [field]: _gone, ...without } = data;
          assert.match(checkClientEvent(ns, row.type, without)?.message ?? 'accepted', new RegExp(`data\\.${field}`), `${row.type}.${field} is required`);
        }
        assert.match(checkClientEvent(ns, row.type, { ...data, [field]: { wrong: true } })?.message ?? 'accepted', new RegExp(`data\\.${field}`), `${row.type}.${field} has a kind`);
      }
    }
    if (Object.keys(row.params).length === 0) continue;
    const params = sampleOf(row.params);
    const rendered = renderBoth(row.type, params);
    assert.ok(rendered.message.en.length > 0 && rendered.message.bn.length > 0, row.type);
    for (const p of Object.keys(row.params)) {
      const { [p]: _gone, ...without } = params;
      assert.throws(() => renderBoth(row.type, without), (e: unknown) => e instanceof HaatError && e.code === 'bad_request' && e.message.includes(p), `${row.type} needs ${p}`);
    }
  }
});

test('the parser notices a drifted row', () => {
  const text = readFileSync(README, 'utf8').replace('| `shipping_update` | `order:` | `order_id` string, `status` string;', '| `shipping_update` | `order:` | `order_id` string, `status` string, `carrier` string;');
  assert.notDeepEqual(sorted(parseTable(text)), sorted(eventCatalogue()));
});
