import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhrasebookTranslator } from './phrasebook-translator.ts';

const book = PhrasebookTranslator.load();
const never = new AbortController().signal;

test('the shipped phrasebook has the common commerce phrases, at least 40', () => {
  assert.ok(book.size >= 40, String(book.size));
});

test('English to Bengali and back, whatever the case, punctuation and spacing', async () => {
  assert.equal(await book.translate('Is this available?', 'en', 'bn', never), 'এটা কি পাও\u09DFা যাবে?');
  assert.equal(await book.translate('what is the PRICE', 'en', 'bn', never), 'দাম কত?');
  assert.equal(await book.translate('  When will it be   delivered ?', 'en', 'bn', never), 'কবে ডেলিভারি হবে?');
  assert.equal(await book.translate('thanks!', 'en', 'bn', never), 'ধন্যবাদ');
  assert.equal(await book.translate('I want to return this.', 'en', 'bn', never), 'আমি এটা ফেরত দিতে চাই');
  assert.equal(await book.translate('দাম কত', 'bn', 'en', never), 'What is the price?');
  assert.equal(await book.translate('আমি এটা ফেরত দিতে চাই।', 'bn', 'en', never), 'I want to return this');
});

test('a phrase it does not know is left untranslated (undefined), not guessed', async () => {
  assert.equal(await book.translate('Is the blue one softer than the red one?', 'en', 'bn', never), undefined);
  assert.equal(await book.translate('নীলটা কি লালটার চেয়ে নরম?', 'bn', 'en', never), undefined);
});

test('Banglish phrases are known too, with both languages', () => {
  assert.deepEqual(book.lookup('Dam koto?', 'banglish'), { en: 'What is the price?', bn: 'দাম কত?' });
  assert.deepEqual(book.lookup('kobe delivery hobe', 'banglish'), { en: 'When will it be delivered?', bn: 'কবে ডেলিভারি হবে?' });
});

test('a phrase claimed by two entries in one language is refused', () => {
  assert.throws(
    () =>
      new PhrasebookTranslator([
        { en: 'Thank you', bn: 'ধন্যবাদ', en_also: [], bn_also: [], banglish: [] },
        { en: 'Thanks!', bn: 'অনেক ধন্যবাদ', en_also: ['thank you'], bn_also: [], banglish: [] },
      ]),
    /"thank you" \(en\) is both/,
  );
});
