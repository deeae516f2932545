// Bids and reservations that carry the client's idempotency key
// (client_bid_id, client_req_id). The actor answers a repeated key with its
// first answer (§7, §8), so while one ask for a key is on its way, a retry of
// the same request needs no ask of its own: it waits for the first one.
//
// Why: in a flash sale on several nodes, the sale's owner falls behind and
// asks time out after askTimeoutMs. The buyer is answered `unavailable` and
// sends the same request again a second or two later, while the first one
// still waits in the owner's mailbox. Each retry used to queue a new entry
// behind it (six nodes, 100,000 buyers: about four per press; bench/README.md).
// Here the ask itself is given `flightMs`, much longer, and each request for
// the key (the first and its retries) is answered `unavailable` on its own
// after askTimeoutMs if the ask has not come back by then; the ask's answer,
// whenever it comes within flightMs, goes to every request still waiting.
import type { AnswerCallback } from '../actors/system.ts';
import { askTimedOut } from '../actors/ask-timeout.ts';
import { Deadlines } from '../actors/deadlines.ts';

/** An ask to an actor: ActorSystem.request's shape. */
export type Ask = (address: string, msg: Record<string, unknown> & { type: string }, timeoutMs: number, done: AnswerCallback<unknown>) => void;

interface Flight {
  address: string;
  /** Waiting requests by id (their own deadline in `deadlines`). */
  waiting: Map<number, AnswerCallback<unknown>>;
}

/** The key of one user's request to one actor: unambiguous whatever characters the parts hold. */
export function keyOf(address: string, user: string, clientKey: string): string {
  return JSON.stringify([address, user, clientKey]);
}

export class KeyedAsks {
  private readonly flights = new Map<string, Flight>();
  /** Which flight each waiting request belongs to. */
  private readonly flightOf = new Map<number, Flight>();
  private nextId = 1;
  private readonly deadlines = new Deadlines((id) => this.expire(id));

  constructor(
    private readonly ask: Ask,
    /** When a request is answered `unavailable` if its key's ask has not come back. */
    private readonly answerMs: number,
    /** How long the ask itself may take (the owner handles it until then). */
    private readonly flightMs: number,
  ) {}

  /** Asks `address` once per `key` in flight; `done` gets the answer, or `unavailable` after answerMs. */
  request(key: string, address: string, msg: Record<string, unknown> & { type: string }, done: AnswerCallback<unknown>): void {
    const id = this.nextId++;
    let flight = this.flights.get(key);
    const first = flight === undefined;
    if (flight === undefined) {
      flight = { address, waiting: new Map() };
      this.flights.set(key, flight);
    }
    flight.waiting.set(id, done);
    this.flightOf.set(id, flight);
    this.deadlines.add(id, this.answerMs);
    if (!first) return;
    const f = flight;
    this.ask(address, msg, this.flightMs, (err, v) => {
      // A key gets a new flight only after this one is deleted, here.
      this.flights.delete(key);
      for (const [waiter, cb] of f.waiting) {
        this.flightOf.delete(waiter);
        cb(err, v);
      }
      f.waiting.clear();
    });
  }

  /** Keys with an ask on its way, for stats and tests. */
  get inFlight(): number {
    return this.flights.size;
  }

  stop(): void {
    this.deadlines.stop();
  }

  private expire(id: number): void {
    const flight = this.flightOf.get(id);
    if (flight === undefined) return; // answered in time
    this.flightOf.delete(id);
    const done = flight.waiting.get(id)!;
    flight.waiting.delete(id);
    // The ask goes on (a retry of the same request waits for it); this request is told to try again.
    done(askTimedOut(flight.address, this.answerMs), undefined);
  }
}
