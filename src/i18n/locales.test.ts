// Every locales file exists in both languages with exactly the same keys
// (nested objects compared key path by key path), and the realtime messages
// load: every error code and close kind has its text in both languages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOSE_CODES, MAX_CLOSE_REASON_BYTES, type CloseKind } from '../close-codes.ts';
import { ERROR_CODES, HaatError, type ErrorCode } from '../errors.ts';
import { LOCALES_DIR } from './load-templates.ts';
import { LANGS } from './notification-types.ts';
import { loadRealtimeMessages, textError } from './realtime-messages.ts';

function keyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keyPaths(v, prefix === '' ? k : `${prefix}/${k}`));
}

const files = (lang: string): string[] => readdirSync(join(LOCALES_DIR, lang)).filter((f) => f.endsWith('.json')).sort();
const BENGALI = /[\u0980-\u09FF]/;

test('both languages have the same locales files', () => {
  assert.deepEqual(files('bn'), files('en'));
  assert.ok(files('en').includes('realtime-messages.json'));
});

for (const file of files('en')) {
  test(`${file}: the same keys in en and bn, none extra in either`, () => {
    const [en, bn] = LANGS.map((lang) => keyPaths(JSON.parse(readFileSync(join(LOCALES_DIR, lang, file), 'utf8'))).sort());
    const onlyEn = en!.filter((k) => !bn!.includes(k));
    const onlyBn = bn!.filter((k) => !en!.includes(k));
    assert.deepEqual({ onlyEn, onlyBn }, { onlyEn: [], onlyBn: [] });
  });
}

test('every error code and close kind has a message in both languages; Bengali ones are in Bengali', () => {
  const m = loadRealtimeMessages();
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    assert.ok(m.codeMessage('en', code).length > 0, code);
    assert.match(m.codeMessage('bn', code), BENGALI, code);
  }
  for (const kind of Object.keys(CLOSE_CODES) as CloseKind[]) {
    assert.equal(m.closeReason('en', kind), CLOSE_CODES[kind].reason, 'English close reasons are the catalogue\'s');
    assert.match(m.closeReason('bn', kind), BENGALI, kind);
    assert.ok(Buffer.byteLength(m.closeReason('bn', kind)) <= MAX_CLOSE_REASON_BYTES);
  }
});

test('an English error body is the error\'s own; a Bengali one has the specific text with Bengali digits, or the code\'s text with the English kept as detail', () => {
  const m = loadRealtimeMessages();
  const big = textError('too_large', 'error.too_large.frame', { size: 20000, limit: 16384 });
  assert.equal(big.message, 'frame of 20000 bytes is over max_frame_bytes (16384)');
  assert.deepEqual(m.errorBody(big, 'en'), big.toBody());
  assert.equal(m.errorBody(big, 'bn').message, 'ফ্রেমটি ২০,০০০ বাইট, সীমা ১৬,৩৮৪ বাইট।');
  assert.equal(m.errorBody(big, 'bn').code, 'too_large');

  const slow = textError('rate_limited', 'error.rate_limited.frame', { seconds: 2 }, { retryAfterMs: 1200 });
  assert.deepEqual(m.errorBody(slow, 'en'), { code: 'rate_limited', message: 'too many messages', temporary: true, retry_after_ms: 1200 });
  assert.equal(m.errorBody(slow, 'bn').message, 'আপনি খুব দ্রুত পাঠাচ্ছেন। ২ সেকেন্ড পরে আবার চেষ্টা করুন।');

  const plain = new HaatError('bid_too_low', 'bid must be at least 1,350.00', { retryAfterMs: 5 });
  assert.deepEqual(m.errorBody(plain, 'bn'), { code: 'bid_too_low', message: 'আপনার দর খুব কম।', temporary: false, retry_after_ms: 5, detail: 'bid must be at least 1,350.00' });
  const internal = new HaatError('internal', 'internal error', { id: 'err_1' });
  assert.deepEqual(m.errorBody(internal, 'bn'), { code: 'internal', message: 'আমাদের দিকে একটি সমস্যা হয়েছে। আবার চেষ্টা করুন।', temporary: true, id: 'err_1' });
});
