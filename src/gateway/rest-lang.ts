// The language of a REST answer (PROTOCOL.md §10 errors; README "Bengali
// everywhere"): `?lang=en|bn` first, then the best of en/bn in
// Accept-Language, then the token's `lang` claim, else English.
import type { Lang } from '../i18n/notification-types.ts';

function asLang(tag: string): Lang | undefined {
  const primary = tag.trim().toLowerCase().split('-')[0];
  return primary === 'bn' ? 'bn' : primary === 'en' ? 'en' : undefined;
}

/** en or bn from Accept-Language (`bn-BD,bn;q=0.9,en;q=0.8`), highest q first; undefined when it names neither. */
export function acceptedLang(header: string): Lang | undefined {
  let best: Lang | undefined;
  let bestQ = 0;
  for (const part of header.split(',')) {
    const [tag = '', ...attrs] = part.split(';');
    const lang = asLang(tag);
    if (lang === undefined) continue;
    const qAttr = attrs.map((a) => a.trim()).find((a) => a.startsWith('q='));
    const q = qAttr === undefined ? 1 : Number(qAttr.slice(2));
    if (Number.isFinite(q) && q > bestQ) {
      best = lang;
      bestQ = q;
    }
  }
  return best;
}

/** What the request itself asks for (query, then header); the caller falls back to the token's claim, then English. */
export function requestedLang(query: URLSearchParams, acceptLanguage: string): Lang | undefined {
  const q = query.get('lang');
  if (q === 'bn' || q === 'en') return q;
  return acceptLanguage === '' ? undefined : acceptedLang(acceptLanguage);
}
