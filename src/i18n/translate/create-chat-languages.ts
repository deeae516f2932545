// ChatLanguages from the `translate` config slice: the LibreTranslate provider
// when a URL is set, the shipped phrasebook and Banglish word list always.
import type { Logger } from 'pino';
import type { TranslateConfig } from '../../config/schema.ts';
import { Banglish } from './banglish.ts';
import { ChatLanguages } from './chat-languages.ts';
import { LibreTranslator } from './libre-translator.ts';
import { PhrasebookTranslator } from './phrasebook-translator.ts';

export function chatLanguagesOf(config: TranslateConfig, logger: Logger): ChatLanguages {
  const provider = config.url === null ? undefined : new LibreTranslator({ url: config.url, timeoutMs: config.timeoutMs });
  // The origin only: a URL may carry credentials.
  logger.info({ provider: provider ? new URL(config.url!).origin : null, timeout_ms: config.timeoutMs }, provider ? 'chat translation: LibreTranslate-compatible provider, phrasebook as fallback' : 'chat translation: offline phrasebook only (set HAAT_TRANSLATE_URL for a provider)');
  return new ChatLanguages({ provider, phrasebook: PhrasebookTranslator.load(), banglish: Banglish.load(), timeoutMs: config.timeoutMs, logger });
}
