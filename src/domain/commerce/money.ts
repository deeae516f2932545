// Amounts are taka on the wire (numbers with at most two decimals, PROTOCOL.md
// §3b, §7) and whole paisa inside: integer arithmetic has no float drift, so
// 1350.10 + 0.20 is exactly 1350.30 (135010 + 20 = 135030 paisa).

/** A whole number of paisa (1/100 taka). */
export type Paisa = number;

/** The largest amount haat accepts: ten billion taka, far inside the exact integer range. */
export const MAX_PAISA: Paisa = 1_000_000_000_000;

/** Paisa of a taka amount, or undefined when it has more than two decimals, is not finite or is out of range. */
export function toPaisa(taka: number): Paisa | undefined {
  if (typeof taka !== 'number' || !Number.isFinite(taka)) return undefined;
  // The decimals are those of the shortest text that reads back as this number
  // (what the client wrote, up to trailing zeros: 1350.10 is 1350.1). Checking
  // taka * 100 against its rounding instead needs a tolerance for binary
  // fractions (1350.1 * 100 is 135010.00000000001), and any tolerance let
  // 1350.100000001 through as 1350.10.
  const text = String(taka);
  if (text.includes('e')) {
    // Only numbers under 1e-6 or from 1e21 up are written with an exponent: neither is an amount.
    if (taka !== 0) return undefined;
  } else {
    const dot = text.indexOf('.');
    if (dot !== -1 && text.length - dot - 1 > 2) return undefined;
  }
  const paisa = Math.round(taka * 100);
  if (Math.abs(paisa) > MAX_PAISA) return undefined;
  return paisa === 0 ? 0 : paisa; // no -0
}

/** The taka number a client reads (135030 paisa is 1350.3: the nearest double to 1350.30). */
export function toTaka(paisa: Paisa): number {
  return paisa / 100;
}
