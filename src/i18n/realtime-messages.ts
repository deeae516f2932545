// The texts a client reads from the gateway besides notifications: error
// messages, close reasons and the `closing` frame, in English and Bengali, from
// locales/{en,bn}/realtime-messages.json. Loaded and checked once; texts
// without parameters are joined at load, so a lookup on the error path is a
// Map get and English answers take no new work at all (see errorBody).
import { join } from 'node:path';
import { z } from 'zod';
import { MAX_CLOSE_REASON_BYTES, type CloseKind } from '../close-codes.ts';
import { HaatError, type ErrorBody, type ErrorCode } from '../errors.ts';
import { formatNumber } from './format.ts';
import { LOCALES_DIR, readJson, TemplateFileError } from './load-templates.ts';
import { closeKey, errorKey, expectedKeys, type ParamsOf, type SpecificKey } from './message-keys.ts';
import { LANGS, type Lang } from './notification-types.ts';
import { fill, parseTemplate, placeholdersOf, type Segment } from './template-text.ts';

export const REALTIME_MESSAGES_FILE = 'realtime-messages.json';

const fileSchema = z.record(z.string(), z.string().min(1));

type Params = Readonly<Record<string, string | number>>;

export class RealtimeMessages {
  constructor(private readonly segments: Readonly<Record<Lang, ReadonlyMap<string, readonly Segment[]>>>) {}

  /** A specific message with its parameters (numbers in the language's digits). */
  text<K extends SpecificKey>(lang: Lang, key: K, params: ParamsOf<K>): string {
    return this.render(lang, key, params) ?? key;
  }

  /** The close reason of `kind` (the loader checked that it fits a close frame). */
  closeReason(lang: Lang, kind: CloseKind): string {
    return this.render(lang, closeKey(kind), {}) ?? kind;
  }

  /** The message of `code` in general (what a client gets when nothing more specific was said). */
  codeMessage(lang: Lang, code: ErrorCode): string {
    return this.render(lang, errorKey(code), {}) ?? code;
  }

  /**
   * The wire body of `e` for a client of `lang`: English is the error's own
   * body (no lookup); Bengali is its specific message when it has one, else
   * the code's, with the English specific message kept as `detail`.
   */
  errorBody(e: HaatError, lang: Lang): ErrorBody {
    const body = e.toBody();
    if (lang === 'en') return body;
    const specific = e.text === undefined ? undefined : this.render(lang, e.text.key, e.text.params ?? {});
    if (specific !== undefined) {
      body.message = specific;
      return body;
    }
    if (e.code !== 'internal') body.detail = body.message;
    body.message = this.codeMessage(lang, e.code);
    return body;
  }

  private render(lang: Lang, key: string, params: Params): string | undefined {
    const segments = this.segments[lang].get(key);
    if (segments === undefined) return undefined;
    const values: Record<string, string> = {};
    for (const s of segments) {
      if (!('param' in s)) continue;
      const v = params[s.param];
      values[s.param] = typeof v === 'number' ? formatNumber(lang, v) : (v ?? '');
    }
    return fill(segments, values);
  }
}

/**
 * Reads both languages from `dir` (default: the repository's locales/) and
 * refuses them unless each has exactly the expected keys (message-keys.ts),
 * every placeholder is a parameter of its key, and close reasons fit a close
 * frame. Throws TemplateFileError naming the file and the keys.
 */
export function loadRealtimeMessages(dir: string = LOCALES_DIR): RealtimeMessages {
  const expected = expectedKeys();
  const segments = {} as Record<Lang, Map<string, readonly Segment[]>>;
  for (const lang of LANGS) {
    const path = join(dir, lang, REALTIME_MESSAGES_FILE);
    const parsed = fileSchema.safeParse(readJson(path));
    if (!parsed.success) throw new TemplateFileError(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
    const problems: string[] = [];
    const map = new Map<string, readonly Segment[]>();
    for (const key of expected.keys()) if (!Object.hasOwn(parsed.data, key)) problems.push(`${key}: missing`);
    for (const [key, text] of Object.entries(parsed.data)) {
      const params = expected.get(key);
      if (params === undefined) {
        problems.push(`${key}: unknown key`);
        continue;
      }
      const t = parseTemplate(text);
      if ('error' in t) {
        problems.push(`${key}: ${t.error}`);
        continue;
      }
      for (const p of placeholdersOf(t.segments)) if (!params.includes(p)) problems.push(`${key}: unknown placeholder {${p}}`);
      if (key.startsWith('close.') && Buffer.byteLength(text) > MAX_CLOSE_REASON_BYTES) problems.push(`${key}: over ${MAX_CLOSE_REASON_BYTES} bytes, too long for a close frame`);
      map.set(key, t.segments);
    }
    if (problems.length > 0) throw new TemplateFileError(`${path}: ${problems.join('; ')}`);
    segments[lang] = map;
  }
  return new RealtimeMessages(segments);
}

let shipped: RealtimeMessages | undefined;

/** The shipped messages, read on first use (the gateway asks at start, so a bad file stops the node then). */
export function realtimeMessages(): RealtimeMessages {
  return (shipped ??= loadRealtimeMessages());
}

/** An error whose message is a specific text of the catalogue: English in `message`, the key for other languages. */
export function textError<K extends SpecificKey>(code: ErrorCode, key: K, params: ParamsOf<K>, opts: { retryAfterMs?: number } = {}): HaatError {
  return new HaatError(code, realtimeMessages().text('en', key, params), { ...opts, text: { key, params } });
}
