// A Translator over a LibreTranslate-compatible HTTP API: POST {url}/translate
// {q, source, target, format:"text"} answers {translatedText}. Every failure is
// a TranslateError that says what went wrong; none of them reaches the chat
// message (chat-languages.ts goes on without the translation).
import { z } from 'zod';
import type { Lang } from '../notification-types.ts';
import { TranslateError, type Translator } from './translator.ts';

const answer = z.object({ translatedText: z.string() });
/** LibreTranslate's error answers are `{"error": "..."}`. */
const errorAnswer = z.object({ error: z.string() });
/** An error body is quoted in the error message, cut to this. */
const MAX_QUOTED = 200;

export interface LibreTranslatorOptions {
  /** Base URL of the provider (`http://host:5000`); `/translate` is appended. */
  url: string;
  /** One request's limit, on top of the caller's signal. */
  timeoutMs: number;
  fetch?: typeof fetch;
}

export class LibreTranslator implements Translator {
  readonly name = 'libretranslate';
  private readonly endpoint: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: LibreTranslatorOptions) {
    this.endpoint = new URL('translate', opts.url.endsWith('/') ? opts.url : `${opts.url}/`).href;
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  async translate(text: string, source: Lang, target: Lang, signal: AbortSignal): Promise<string> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    let res: Response;
    let body: string;
    try {
      res = await this.fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ q: text, source, target, format: 'text' }),
        signal: AbortSignal.any([signal, timeout]),
      });
      body = await res.text();
    } catch (err) {
      if (timeout.aborted) throw new TranslateError(this.name, `no answer from ${this.endpoint} within ${this.opts.timeoutMs} ms`, { cause: err });
      if (signal.aborted) throw new TranslateError(this.name, `gave up on ${this.endpoint}: ${String(signal.reason)}`, { cause: err });
      throw new TranslateError(this.name, `cannot reach ${this.endpoint}: ${describe(err)}`, { cause: err });
    }
    const json = parseJson(body);
    if (!res.ok) {
      const said = errorAnswer.safeParse(json);
      throw new TranslateError(this.name, `HTTP ${res.status} from ${this.endpoint}: ${said.success ? said.data.error : body.slice(0, MAX_QUOTED)}`);
    }
    const parsed = answer.safeParse(json);
    if (!parsed.success) throw new TranslateError(this.name, `unexpected answer from ${this.endpoint} (no translatedText): ${body.slice(0, MAX_QUOTED)}`);
    return parsed.data.translatedText;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: the callers quote the raw text in their error instead.
    return undefined;
  }
}

/** fetch's own message is "fetch failed"; the reason is in its cause. */
function describe(err: unknown): string {
  const e = err as Error & { cause?: Error & { code?: string } };
  return e.cause ? `${e.message} (${e.cause.code ?? e.cause.message})` : e.message;
}
