// Banglish (Bengali typed in Latin letters) to Bengali script. Known words
// come from src/i18n/data/banglish.json (the spelling people mean: `eta` is
// এটা, `delivery` ডেলিভারি); every other word goes through the Avro Phonetic
// rules of nodejs-avro-phonetic, which has no dictionary, so casual spellings
// come out as the rules read them (`kemne` → কেম্নে, `bazar` → বাযার).
import { readFileSync } from 'node:fs';
import avro from 'nodejs-avro-phonetic';
import { z } from 'zod';
import { recomposeBengali } from './normalize.ts';

export const BANGLISH_FILE = new URL('../data/banglish.json', import.meta.url);

const fileSchema = z.strictObject({
  /** Bengali words typed in Latin letters, with their spelling: evidence that a text is Banglish. */
  words: z.record(z.string().regex(/^[a-z]+$/), z.string().min(1)),
  /** English words used inside Banglish, with their Bengali spelling: evidence of neither. */
  loanwords: z.record(z.string().regex(/^[a-z]+$/), z.string().min(1)),
  /** Common English words: evidence that a text is English. */
  english: z.array(z.string().regex(/^[a-z]+$/)),
});

const BENGALI_LETTER = /[\u0980-\u09FF]/g;
const LATIN_WORD = /[A-Za-z]+/g;
const BENGALI_DIGITS = '০১২৩৪৫৬৭৮৯';

export type Script = 'bengali' | 'latin' | 'none';

/** Which script a message is written in: the one with more letters (a number or an emoji alone is neither). */
export function scriptOf(text: string): Script {
  const bengali = text.match(BENGALI_LETTER)?.length ?? 0;
  const latin = text.match(/[A-Za-z]/g)?.length ?? 0;
  if (bengali === 0 && latin === 0) return 'none';
  return bengali >= latin ? 'bengali' : 'latin';
}

export class Banglish {
  private readonly words: ReadonlyMap<string, string>;
  private readonly loanwords: ReadonlyMap<string, string>;
  private readonly english: ReadonlySet<string>;

  constructor(data: z.infer<typeof fileSchema>) {
    this.words = new Map(Object.entries(data.words));
    this.loanwords = new Map(Object.entries(data.loanwords));
    this.english = new Set(data.english);
  }

  static load(file: URL | string = BANGLISH_FILE): Banglish {
    const parsed = fileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${String(file)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return new Banglish(parsed.data);
  }

  /**
   * A Latin-letter text is Banglish when it has more known Bengali words than
   * common English ones (`eta ki available?`: yes; `Is this available?`: no).
   */
  looksBanglish(text: string): boolean {
    if (scriptOf(text) !== 'latin') return false;
    let bengali = 0;
    let english = 0;
    for (const [w] of text.toLowerCase().matchAll(LATIN_WORD)) {
      if (this.words.has(w)) bengali++;
      else if (this.english.has(w)) english++;
    }
    return bengali > 0 && bengali > english;
  }

  /** `ami tomake bhalobashi` → `আমি তোমাকে ভালোবাসি`: known words by the list, the rest by the Avro rules. */
  transliterate(text: string): string {
    let out = '';
    let last = 0;
    for (const m of text.matchAll(LATIN_WORD)) {
      out += between(text.slice(last, m.index));
      const lower = m[0].toLowerCase();
      out += this.words.get(lower) ?? this.loanwords.get(lower) ?? avro.parse(m[0]);
      last = m.index + m[0].length;
    }
    return recomposeBengali(out + between(text.slice(last)));
  }
}

/** Between words: Bengali digits, and a full stop that ends a sentence as দাঁড়ি (the Avro rules would also turn 12.5 into ১২।৫). */
function between(s: string): string {
  return s.replace(/[0-9]/g, (d) => BENGALI_DIGITS[Number(d)]!).replace(/(?<![0-9০-৯])\.(?![0-9০-৯])/g, '।');
}

/** The Avro Phonetic rules alone, for comparison in tests and docs. */
export function avroRules(text: string): string {
  return recomposeBengali(avro.parse(text));
}
