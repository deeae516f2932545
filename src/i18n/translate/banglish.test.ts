import { test } from 'node:test';
import assert from 'node:assert/strict';
import { avroRules, Banglish, scriptOf } from './banglish.ts';

const banglish = Banglish.load();

test('transliteration: known words by the list, the rest by the Avro Phonetic rules', () => {
  assert.equal(banglish.transliterate('ami tomake bhalobashi'), 'আমি তোমাকে ভালোবাসি');
  // What the rules alone make of it (no dictionary in nodejs-avro-phonetic): o is অ, sh is শ.
  assert.equal(avroRules('ami tomake bhalobashi'), 'আমি তমাকে ভালবাশি');
  assert.equal(banglish.transliterate('Eta ki available ache?'), 'এটা কি অ্যাভেইলেবল আছে?');
  assert.equal(banglish.transliterate('bhai 2 ta shirt pathan. dam 1250.50 taka?'), 'ভাই ২ টা শার্ট পাঠান। দাম ১২৫০.৫০ টাকা?');
  // Words the list does not know: the rules' reading.
  assert.equal(banglish.transliterate('kemne bazar'), 'কেম্নে বাযার');
});

test('য় comes out as its one code point (NFC would split it)', () => {
  const out = banglish.transliterate('kothay basay pawa jabe');
  assert.equal(out, 'কোথা\u09DF বাসা\u09DF পাও\u09DFা যাবে');
  assert.ok(out.includes('\u09DF'));
  assert.ok(!out.includes('\u09AF\u09BC'));
});

test('Banglish is told from English and from Bengali script', () => {
  for (const t of ['ami tomake bhalobashi', 'eta ki available?', 'kobe delivery hobe?', 'Dam koto bhai?', 'na']) assert.equal(banglish.looksBanglish(t), true, t);
  for (const t of ['Is this available?', 'When will it be delivered?', 'ok', 'Thank you', 'দাম কত?', '👍', '1250']) assert.equal(banglish.looksBanglish(t), false, t);
  assert.equal(scriptOf('দাম কত?'), 'bengali');
  assert.equal(scriptOf('dam koto'), 'latin');
  assert.equal(scriptOf('👍 100'), 'none');
});
