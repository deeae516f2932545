// Text keys for lookups in the phrasebook and the Banglish word list.

/**
 * NFC, then য় ড় ঢ় as their single code points: NFC decomposes them
 * (they are composition exclusions), and text typed on phones comes both ways.
 */
export function recomposeBengali(text: string): string {
  return text.normalize('NFC').replace(/\u09AF\u09BC/g, '\u09DF').replace(/\u09A1\u09BC/g, '\u09DC').replace(/\u09A2\u09BC/g, '\u09DD');
}

const PUNCTUATION = /[?!.,;:।॥'"’‘“”()\-…]+/g;

/** Case, punctuation and spacing do not tell two phrases apart: `Dam koto?` and `dam  koto` are one key. */
export function phraseKey(text: string): string {
  return recomposeBengali(text).toLowerCase().replace(PUNCTUATION, ' ').replace(/\s+/g, ' ').trim();
}
