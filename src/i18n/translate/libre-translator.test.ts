import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { LibreTranslator } from './libre-translator.ts';
import { TranslateError } from './translator.ts';
import { fromTable, startFakeLibreTranslate, type FakeAnswer, type TranslateRequest } from '../../testkit/fake-libretranslate.ts';

let answer: (req: TranslateRequest) => FakeAnswer = fromTable({ 'What is the price of the blue saree?': 'নীল শাড়িটির দাম কত?' });
const fake = await startFakeLibreTranslate((req) => answer(req));
after(() => fake.close());
const never = new AbortController().signal;

function failsWith(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  return assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof TranslateError, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

test('posts {q, source, target, format:"text"} to {url}/translate and answers translatedText', async () => {
  const t = new LibreTranslator({ url: fake.url, timeoutMs: 2000 });
  assert.equal(await t.translate('What is the price of the blue saree?', 'en', 'bn', never), 'নীল শাড়িটির দাম কত?');
  assert.deepEqual(fake.requests.at(-1), { path: '/translate', body: { q: 'What is the price of the blue saree?', source: 'en', target: 'bn', format: 'text' } });
});

test('an HTTP error names the status and the provider\'s own error', async () => {
  const t = new LibreTranslator({ url: `${fake.url}/`, timeoutMs: 2000 });
  await failsWith(t.translate('unknown words', 'en', 'bn', never), /^libretranslate: HTTP 400 from http:\/\/127\.0\.0\.1:\d+\/translate: no translation for unknown words$/);
  answer = () => ({ status: 502, body: '<html>bad gateway</html>' });
  await failsWith(t.translate('x', 'en', 'bn', never), /HTTP 502 .*<html>bad gateway<\/html>/);
});

test('an answer without translatedText is an error, not an empty translation', async () => {
  answer = () => ({ status: 200, body: JSON.stringify({ translated: 'x' }) });
  await failsWith(new LibreTranslator({ url: fake.url, timeoutMs: 2000 }).translate('x', 'en', 'bn', never), /unexpected answer .*no translatedText/);
});

test('no answer within the timeout is an error that says so, in about the timeout', async () => {
  answer = () => 'hang';
  const started = performance.now();
  await failsWith(new LibreTranslator({ url: fake.url, timeoutMs: 150 }).translate('x', 'en', 'bn', never), /no answer from .* within 150 ms/);
  assert.ok(performance.now() - started < 2000);
});

test('an unreachable provider is an error naming it', async () => {
  const closed = await startFakeLibreTranslate(() => 'hang');
  await closed.close();
  await failsWith(new LibreTranslator({ url: closed.url, timeoutMs: 2000 }).translate('x', 'en', 'bn', never), /cannot reach http:\/\/127\.0\.0\.1:\d+\/translate: fetch failed \(ECONNREFUSED\)/);
});
