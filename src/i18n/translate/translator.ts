// Translation of chat messages between English and Bengali (README "Bengali
// everywhere"). Implementations: a LibreTranslate-compatible HTTP API
// (libre-translator.ts) and the offline phrasebook (phrasebook-translator.ts).
import type { Lang } from '../notification-types.ts';

export interface Translator {
  /** For logs: which translator answered or failed. */
  readonly name: string;
  /**
   * `text` (in `source`) in `target`, or undefined when this translator has
   * nothing for it (a phrase the phrasebook does not know). Rejects with a
   * TranslateError when it failed (unreachable, timed out, a bad answer), and
   * gives up when `signal` aborts.
   */
  translate(text: string, source: Lang, target: Lang, signal: AbortSignal): Promise<string | undefined>;
}

export class TranslateError extends Error {
  constructor(
    readonly translator: string,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(`${translator}: ${message}`, opts);
    this.name = 'TranslateError';
  }
}
