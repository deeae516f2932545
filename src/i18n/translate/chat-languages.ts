// What a chat message gains on its way in (README "Bengali everywhere"): an
// English message its Bengali, a Bengali one its English, a Banglish one its
// Bengali script (`transliteration`) and its English. The provider
// (LibreTranslate) is asked first when there is one, the phrasebook when
// there is none or it failed. enrich() never rejects and never takes longer
// than the timeout: a message without translations is still the message.
import type { Logger } from 'pino';
import type { Lang } from '../notification-types.ts';
import { scriptOf, type Banglish } from './banglish.ts';
import type { PhrasebookTranslator } from './phrasebook-translator.ts';
import type { Translator } from './translator.ts';

/** The extra fields of a chat message; absent when there is nothing to add. */
export interface ChatTranslations {
  translations?: { en?: string; bn?: string };
  /** A Banglish message in Bengali script. */
  transliteration?: string;
}

export interface ChatLanguagesDeps {
  /** A machine translation provider; none: the phrasebook alone. */
  provider?: Translator | undefined;
  phrasebook: PhrasebookTranslator;
  banglish: Banglish;
  /** The longest enrich() waits for the provider. */
  timeoutMs: number;
  logger: Logger;
}

export class ChatLanguages {
  private readonly log: Logger;

  constructor(private readonly d: ChatLanguagesDeps) {
    this.log = d.logger.child({ mod: 'chat-languages' });
  }

  async enrich(text: string): Promise<ChatTranslations> {
    try {
      return await this.languagesOf(text, AbortSignal.timeout(this.d.timeoutMs));
    } catch (err) {
      // A bug here must not cost the message: it goes on untranslated.
      this.log.error({ err }, 'chat message not translated');
      return {};
    }
  }

  private async languagesOf(text: string, deadline: AbortSignal): Promise<ChatTranslations> {
    switch (scriptOf(text)) {
      case 'none':
        return {};
      case 'bengali': {
        const en = await this.translate(text, 'bn', 'en', deadline);
        return en === undefined ? {} : { translations: { en } };
      }
      case 'latin': {
        const phrase = this.d.phrasebook.lookup(text, 'banglish');
        if (phrase) return { transliteration: phrase.bn, translations: { en: phrase.en } };
        if (this.d.banglish.looksBanglish(text)) {
          const bn = this.d.banglish.transliterate(text);
          const en = await this.translate(bn, 'bn', 'en', deadline);
          return en === undefined ? { transliteration: bn } : { transliteration: bn, translations: { en } };
        }
        const bn = await this.translate(text, 'en', 'bn', deadline);
        return bn === undefined ? {} : { translations: { bn } };
      }
    }
  }

  /** The provider's translation, else the phrasebook's; undefined when neither has one (or it is the text itself). */
  private async translate(text: string, source: Lang, target: Lang, deadline: AbortSignal): Promise<string | undefined> {
    const { provider, phrasebook } = this.d;
    if (provider) {
      try {
        const t = await provider.translate(text, source, target, deadline);
        if (t !== undefined && t.trim() !== '' && t !== text) return t;
      } catch (err) {
        this.log.warn({ translator: provider.name, err: (err as Error).message }, 'translation failed; trying the phrasebook');
      }
    }
    return phrasebook.translate(text, source, target);
  }
}
