import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCALES_DIR, TemplateFileError, loadNotificationTemplates } from './load-templates.ts';
import { LANGS, NOTIFICATION_TYPES } from './notification-types.ts';

/** A copy of the shipped locales in a temp dir, `edit` applied to one file's JSON (or raw text). */
function withBrokenCopy(file: string, edit: (json: Record<string, unknown>) => unknown, check: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'haat-locales-'));
  try {
    cpSync(LOCALES_DIR, dir, { recursive: true });
    const path = join(dir, file);
    const edited = edit(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>);
    writeFileSync(path, typeof edited === 'string' ? edited : JSON.stringify(edited));
    check(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function refused(file: string, edit: (json: Record<string, unknown>) => unknown, ...mentions: string[]): void {
  withBrokenCopy(file, edit, (dir) => {
    assert.throws(
      () => loadNotificationTemplates(dir),
      (err: unknown) => {
        assert.ok(err instanceof TemplateFileError, `expected a TemplateFileError, got ${String(err)}`);
        for (const m of [file, ...mentions]) assert.ok(err.message.includes(m), `${JSON.stringify(err.message)} should mention ${m}`);
        return true;
      },
    );
  });
}

test('the shipped templates load: every type in both languages', () => {
  const t = loadNotificationTemplates();
  for (const lang of LANGS) assert.deepEqual(Object.keys(t.templates[lang]).sort(), [...NOTIFICATION_TYPES].sort());
});

test('a type missing in one language is refused', () => {
  refused('bn/notification-templates.json', ({ auction_outbid: _gone, ...rest }) => rest, 'auction_outbid');
});

test('an unknown placeholder is refused, naming it and the entry', () => {
  refused(
    'en/notification-templates.json',
    (j) => ({ ...j, price_drop_alert: { title: 'Price drop!', message: '{product_name} is now {new_prise}' } }),
    'price_drop_alert.message',
    '{new_prise}',
  );
});

test('a stray brace is refused', () => {
  refused('bn/notification-templates.json', (j) => ({ ...j, chat_message: { title: '{sender_name', message: '{preview}' } }), 'chat_message.title', 'stray brace');
});

test('an unknown type, a missing title and a missing label are refused', () => {
  refused('en/notification-templates.json', (j) => ({ ...j, price_rise_alert: { title: 'x', message: 'y' } }), 'price_rise_alert');
  refused('bn/notification-templates.json', (j) => ({ ...j, restock_notification: { message: '{product_name}' } }), 'restock_notification.title');
  refused('bn/notification-values.json', (j) => ({ ...j, provider: { bkash: 'বিকাশ', nagad: 'নগদ', rocket: 'রকেট', card: 'কার্ড' } }), 'provider.cod');
});

test('a file that is not JSON is refused', () => {
  refused('en/notification-templates.json', () => '{"price_drop_alert": ', 'not JSON');
});
