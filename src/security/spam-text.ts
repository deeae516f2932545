// Pure text helpers of the spam rules (spam.ts): normalization for
// near-duplicate detection, a similarity measure, links and Bangladeshi phone
// numbers (ASCII or Bengali digits, local or +880 form).

const BENGALI_ZERO = 0x09e6;

/** Bengali digits (০-৯) as ASCII digits; everything else unchanged. */
export function asciiDigits(text: string): string {
  return text.replace(/[\u09E6-\u09EF]/g, (d) => String(d.charCodeAt(0) - BENGALI_ZERO));
}

/**
 * The form compared for repeats: NFKC, lower case, every run of digits (ASCII
 * or Bengali) as one `#`, punctuation and symbols dropped, whitespace
 * collapsed. "Call 01712345678 NOW!!" and "call  01898765432 now" are equal.
 */
export function normalizeForRepeat(text: string): string {
  return asciiDigits(text.normalize('NFKC'))
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\d+/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Characters of a message compared at most (the similarity is linear in them). */
export const SIMILARITY_CHARS = 512;

function bigrams(s: string): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < s.length - 1; i++) {
    const g = s.slice(i, i + 2);
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

/**
 * Sørensen–Dice coefficient of the character bigrams of two normalized texts
 * (their first SIMILARITY_CHARS characters): 1 for equal texts, near 1 for a
 * changed word or two in a long text, 0 for texts with nothing in common.
 */
export function similarity(a: string, b: string): number {
  const x = a.slice(0, SIMILARITY_CHARS);
  const y = b.slice(0, SIMILARITY_CHARS);
  if (x === y) return 1;
  if (x.length < 2 || y.length < 2) return 0;
  const bx = bigrams(x);
  let common = 0;
  for (let i = 0; i < y.length - 1; i++) {
    const g = y.slice(i, i + 2);
    const n = bx.get(g);
    if (n !== undefined && n > 0) {
      common++;
      bx.set(g, n - 1);
    }
  }
  return (2 * common) / (x.length - 1 + (y.length - 1));
}

// A URL with a scheme, a www. host, or a bare host on a TLD that spam uses
// (and the messenger short links t.me / wa.me / bit.ly).
const LINK =
  /\b(?:https?:\/\/[^\s]+|www\.[^\s]+|(?:t\.me|wa\.me|bit\.ly|tinyurl\.com)\/[^\s]*|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|xyz|top|site|online|shop|store|click|link|live|club|io|me|ly|co|bd)(?:\/[^\s]*)?)(?![a-z0-9])/giu;

/** The links in a text (as written). */
export function findLinks(text: string): string[] {
  return text.normalize('NFKC').match(LINK) ?? [];
}

// Separators people put inside a phone number: spaces, dashes, dots, brackets.
const INSIDE_NUMBER = /(?<=\d)[\s\-.()]+(?=[+\d])/g;
// 01[3-9]XXXXXXXX, optionally after 88 / +88 / 0088 (+880 1X... is +88 01X...).
const BD_PHONE = /(?<![\d])(?:(?:\+|00)?88)?(01[3-9]\d{8})(?!\d)/g;

/**
 * The Bangladeshi mobile numbers in a text, each in the local form
 * 01XXXXXXXXX, once each: `01712345678`, `+880 1712-345678`,
 * `০১৭১২৩৪৫৬৭৮` and `8801712345678` are all 01712345678.
 */
export function findPhones(text: string): string[] {
  const compact = asciiDigits(text.normalize('NFKC')).replace(INSIDE_NUMBER, '');
  const found = new Set<string>();
  for (const m of compact.matchAll(BD_PHONE)) found.add(m[1]!);
  return [...found];
}
