// The offline translator: common commerce chat phrases in English, Bengali and
// Banglish (src/i18n/data/phrasebook.json), looked up whole. No machine
// translation model can be installed here, so without a provider this is what
// translates, and only what it knows; anything else is left untranslated.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Lang } from '../notification-types.ts';
import { phraseKey, recomposeBengali } from './normalize.ts';
import type { Translator } from './translator.ts';

export const PHRASEBOOK_FILE = new URL('../data/phrasebook.json', import.meta.url);

const phrase = z.string().min(1);
const entrySchema = z.strictObject({
  en: phrase,
  bn: phrase,
  en_also: z.array(phrase).default([]),
  bn_also: z.array(phrase).default([]),
  banglish: z.array(phrase).default([]),
});
export type PhrasebookEntry = z.infer<typeof entrySchema>;
const fileSchema = z.array(entrySchema).min(1);

/** Both languages of a phrase, as the phrasebook writes them. */
export interface Phrase {
  en: string;
  bn: string;
}

export class PhrasebookTranslator implements Translator {
  readonly name = 'phrasebook';
  private readonly index: Record<Lang | 'banglish', Map<string, Phrase>> = { en: new Map(), bn: new Map(), banglish: new Map() };
  readonly size: number;

  /** Refuses a phrase that two entries claim in the same language: its translation would depend on the order. */
  constructor(entries: readonly PhrasebookEntry[]) {
    for (const e of entries) {
      const p: Phrase = { en: e.en, bn: recomposeBengali(e.bn) };
      this.add('en', [e.en, ...e.en_also], p);
      this.add('bn', [e.bn, ...e.bn_also], p);
      this.add('banglish', e.banglish, p);
    }
    this.size = entries.length;
  }

  static load(file: URL | string = PHRASEBOOK_FILE): PhrasebookTranslator {
    const parsed = fileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${String(file)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return new PhrasebookTranslator(parsed.data);
  }

  private add(lang: Lang | 'banglish', texts: readonly string[], p: Phrase): void {
    for (const t of texts) {
      const key = phraseKey(t);
      const taken = this.index[lang].get(key);
      if (taken && taken !== p) throw new Error(`phrasebook: "${t}" (${lang}) is both "${taken.en}" and "${p.en}"`);
      this.index[lang].set(key, p);
    }
  }

  async translate(text: string, source: Lang, target: Lang, _signal?: AbortSignal): Promise<string | undefined> {
    return this.lookup(text, source)?.[target];
  }

  /** The phrase `text` is (in `lang`, or typed in Banglish), or undefined. */
  lookup(text: string, lang: Lang | 'banglish'): Phrase | undefined {
    return this.index[lang].get(phraseKey(text));
  }
}
