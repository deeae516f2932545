// Checks a recorded concurrent history against the one sequence the auction
// or sale actor claims to have followed (a Knossos-style check specialised to
// these two objects, cheap enough for thousands of operations). Each operation
// is recorded with the time it was invoked (sent), the time it completed
// (answer received) and its answer.

export interface Recorded<A> {
  invokedAt: number;
  completedAt: number;
  answer: A;
}

export type BidRecord = Recorded<{ ok: true; seq: number; amount: number } | { ok: false; code: string }> & { amount: number };

/**
 * Accepted bids must form one sequence 1..n consistent with real time (a bid
 * acknowledged before another was sent has the lower seq) with strictly
 * increasing amounts; a `bid_too_low` must have been too low against some
 * state it could have seen. Returns the violations (empty when linearizable).
 */
export function checkBids(history: readonly BidRecord[], rules: { starting: number; increment: number }): string[] {
  const bad: string[] = [];
  const accepted = history.filter((h): h is BidRecord & { answer: { ok: true; seq: number; amount: number } } => h.answer.ok).sort((a, b) => a.answer.seq - b.answer.seq);
  accepted.forEach((h, i) => {
    if (h.answer.seq !== i + 1) bad.push(`accepted seqs are not 1..n: position ${i} has seq ${h.answer.seq}`);
    if (i > 0 && Math.round(h.answer.amount * 100) <= Math.round(accepted[i - 1]!.answer.amount * 100)) bad.push(`seq ${h.answer.seq} amount ${h.answer.amount} does not exceed seq ${accepted[i - 1]!.answer.seq}'s ${accepted[i - 1]!.answer.amount}`);
    if (i > 0 && Math.round(h.answer.amount * 100) < Math.round((accepted[i - 1]!.answer.amount + rules.increment) * 100)) bad.push(`seq ${h.answer.seq} is below the previous amount plus the increment`);
  });
  // Real time: a completed before b was invoked => a.seq < b.seq. Sorted by seq, so check every later-seq op against earlier ones via a running max of invocations.
  for (let i = 0; i < accepted.length; i++) {
    for (let j = i + 1; j < accepted.length; j++) {
      if (accepted[j]!.completedAt < accepted[i]!.invokedAt) bad.push(`seq ${accepted[j]!.answer.seq} was acknowledged before seq ${accepted[i]!.answer.seq} was sent`);
    }
  }
  for (const h of history) {
    if (h.answer.ok || h.answer.code !== 'bid_too_low') continue;
    // The highest price it could have seen: accepted bids sent before it was answered.
    let best: number | undefined;
    for (const a of accepted) if (a.invokedAt <= h.completedAt && (best === undefined || a.answer.amount > best)) best = a.answer.amount;
    const min = best === undefined ? rules.starting : best + rules.increment;
    if (Math.round(h.amount * 100) >= Math.round(min * 100)) bad.push(`a bid of ${h.amount} was refused as too low, but no state it could have seen asked more than ${min}`);
  }
  return bad;
}

export type ReserveRecord = Recorded<{ ok: true; id: string } | { ok: false; code: string }> & { qty: number };

/**
 * Reservations against `stock` units (none released meanwhile): at most stock
 * units reserved, ids unique, and a `sold_out` only once enough reservations
 * had been sent before it was answered to have used the stock up.
 */
export function checkReservations(history: readonly ReserveRecord[], stock: number): string[] {
  const bad: string[] = [];
  const ok = history.filter((h): h is ReserveRecord & { answer: { ok: true; id: string } } => h.answer.ok);
  const units = ok.reduce((n, h) => n + h.qty, 0);
  if (units > stock) bad.push(`${units} units reserved out of a stock of ${stock}`);
  if (new Set(ok.map((h) => h.answer.id)).size !== ok.length) bad.push('a reservation id was given twice');
  const invoked = ok.map((h) => ({ at: h.invokedAt, qty: h.qty })).sort((a, b) => a.at - b.at);
  for (const h of history) {
    if (h.answer.ok || h.answer.code !== 'sold_out') continue;
    let before = 0;
    for (const o of invoked) {
      if (o.at > h.completedAt) break;
      before += o.qty;
    }
    if (before + h.qty <= stock) bad.push(`sold_out answered while at most ${before} of ${stock} units could have been reserved`);
  }
  return bad;
}
