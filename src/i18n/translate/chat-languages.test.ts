import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Banglish } from './banglish.ts';
import { ChatLanguages } from './chat-languages.ts';
import { fromTable, startFakeLibreTranslate, type FakeAnswer, type TranslateRequest } from '../../testkit/fake-libretranslate.ts';
import { LibreTranslator } from './libre-translator.ts';
import { PhrasebookTranslator } from './phrasebook-translator.ts';

const phrasebook = PhrasebookTranslator.load();
const banglish = Banglish.load();
let answer: (req: TranslateRequest) => FakeAnswer = () => 'hang';
const fake = await startFakeLibreTranslate((req) => answer(req));
after(() => fake.close());

function withLog(): { logger: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      out.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('without a provider: the phrasebook translates what it knows; Banglish gets its Bengali script', async () => {
  const langs = new ChatLanguages({ phrasebook, banglish, timeoutMs: 500, logger: withLog().logger });
  assert.deepEqual(await langs.enrich('Is this available?'), { translations: { bn: 'এটা কি পাও\u09DFা যাবে?' } });
  assert.deepEqual(await langs.enrich('দাম কত?'), { translations: { en: 'What is the price?' } });
  assert.deepEqual(await langs.enrich('Dam koto?'), { transliteration: 'দাম কত?', translations: { en: 'What is the price?' } });
  assert.deepEqual(await langs.enrich('ami tomake bhalobashi'), { transliteration: 'আমি তোমাকে ভালোবাসি' });
  assert.deepEqual(await langs.enrich('Is the blue one softer?'), {});
  assert.deepEqual(await langs.enrich('👍'), {});
});

test('with a provider: its translations; Banglish is translated from its Bengali script', async () => {
  answer = fromTable({ 'Is the blue one softer?': 'নীলটা কি বেশি নরম?', 'আমি তোমাকে ভালোবাসি': 'I love you' });
  const langs = new ChatLanguages({ provider: new LibreTranslator({ url: fake.url, timeoutMs: 1000 }), phrasebook, banglish, timeoutMs: 1000, logger: withLog().logger });
  assert.deepEqual(await langs.enrich('Is the blue one softer?'), { translations: { bn: 'নীলটা কি বেশি নরম?' } });
  assert.deepEqual(await langs.enrich('ami tomake bhalobashi'), { transliteration: 'আমি তোমাকে ভালোবাসি', translations: { en: 'I love you' } });
  const asked = fake.requests.at(-1)?.body;
  assert.deepEqual(asked, { q: 'আমি তোমাকে ভালোবাসি', source: 'bn', target: 'en', format: 'text' });
});

test('a failing provider falls back to the phrasebook and logs why; the message is never lost', async () => {
  answer = () => ({ status: 500, body: JSON.stringify({ error: 'model not loaded' }) });
  const log = withLog();
  const langs = new ChatLanguages({ provider: new LibreTranslator({ url: fake.url, timeoutMs: 1000 }), phrasebook, banglish, timeoutMs: 1000, logger: log.logger });
  assert.deepEqual(await langs.enrich('Thank you'), { translations: { bn: 'ধন্যবাদ' } });
  assert.deepEqual(await langs.enrich('Is the blue one softer?'), {});
  const warn = log.lines().find((l) => l.msg === 'translation failed; trying the phrasebook');
  assert.ok(warn, JSON.stringify(log.lines()));
  assert.match(String(warn.err), /HTTP 500 .*model not loaded/);
});

test('a provider that does not answer costs at most the timeout', async () => {
  answer = () => 'hang';
  const langs = new ChatLanguages({ provider: new LibreTranslator({ url: fake.url, timeoutMs: 5000 }), phrasebook, banglish, timeoutMs: 200, logger: withLog().logger });
  const started = performance.now();
  assert.deepEqual(await langs.enrich('When will it be delivered?'), { translations: { bn: 'কবে ডেলিভারি হবে?' } });
  assert.ok(performance.now() - started < 2000, 'the deadline, not the provider, decided');
});
