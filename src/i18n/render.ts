// Renders a notification's title and message in one language from the loaded
// templates. Pure: no I/O, no clock. Callers (REST, the commerce actors)
// validate parameters before queuing a notification; a bad call here is still
// a bad_request naming the parameter, never a half-filled text.
import { HaatError } from '../errors.ts';
import { parseIsoWithOffset } from '../time/iso.ts';
import { formatDate, formatDateTime, formatPercent, formatPrice } from './format.ts';
import { LANGS, VALUE_SETS, isNotificationType, paramsOf, type Lang, type NotificationType, type ParamKind } from './notification-types.ts';
import type { NotificationTemplates } from './load-templates.ts';
import { fill } from './template-text.ts';

export interface RenderedNotification {
  title: string;
  message: string;
}

export type RenderNotification = (type: string, lang: Lang, params: Readonly<Record<string, unknown>>) => RenderedNotification;

function bad(type: string, name: string, wants: string): HaatError {
  return new HaatError('bad_request', `notification ${type}: parameter \`${name}\` must be ${wants}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Epoch ms of a time parameter: ISO 8601 with an offset, or a finite number of ms. */
function toEpochMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') return parseIsoWithOffset(v);
  return undefined;
}

function formatParam(t: NotificationTemplates, type: NotificationType, lang: Lang, name: string, kind: ParamKind, v: unknown): string {
  switch (kind) {
    case 'text': {
      if (typeof v === 'string' && v !== '') return v;
      if (isObject(v) && LANGS.every((l) => typeof v[l] === 'string' && v[l] !== '')) return v[lang] as string;
      throw bad(type, name, 'a non-empty string or {"en": "...", "bn": "..."}');
    }
    case 'code': {
      if ((typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) return String(v);
      throw bad(type, name, 'an id (a non-empty string or a whole number)');
    }
    case 'price': {
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return formatPrice(lang, v);
      throw bad(type, name, 'an amount in taka (a number, at least 0)');
    }
    case 'percent': {
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100) return formatPercent(lang, v);
      throw bad(type, name, 'a percentage from 0 to 100');
    }
    case 'datetime':
    case 'date': {
      const ms = toEpochMs(v);
      if (ms === undefined) throw bad(type, name, 'a time: ISO 8601 with an offset, or epoch milliseconds');
      return kind === 'date' ? formatDate(lang, ms) : formatDateTime(lang, ms);
    }
    case 'order_status':
    case 'payment_status':
    case 'provider': {
      const keys: readonly string[] = VALUE_SETS[kind];
      if (typeof v === 'string' && keys.includes(v)) return (t.values[lang][kind] as Record<string, string>)[v]!;
      throw bad(type, name, `one of ${keys.join(', ')}`);
    }
    default: {
      const never: never = kind;
      throw new Error(`unhandled parameter kind ${String(never)}`);
    }
  }
}

/**
 * The render function over `templates`. Every parameter of the type is
 * required in every language (so English and Bengali accept the same calls);
 * `null` counts as missing; members the type does not use are ignored (a
 * notification's `data` may carry `product_id`, `action_url` and so on).
 */
export function notificationRenderer(templates: NotificationTemplates): RenderNotification {
  return (type, lang, params) => {
    if (!isNotificationType(type)) throw new HaatError('bad_request', `unknown notification type ${JSON.stringify(type)}`);
    if (!LANGS.includes(lang)) throw new HaatError('bad_request', `unknown language ${JSON.stringify(lang)} (en or bn)`);
    const values: Record<string, string> = {};
    for (const [name, kind] of Object.entries(paramsOf(type))) {
      const v = Object.hasOwn(params, name) ? params[name] : undefined;
      if (v === undefined || v === null) throw new HaatError('bad_request', `notification ${type}: missing parameter \`${name}\``);
      values[name] = formatParam(templates, type, lang, name, kind, v);
    }
    const template = templates.templates[lang][type];
    return { title: fill(template.title, values), message: fill(template.message, values) };
  };
}
