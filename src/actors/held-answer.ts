// The answer to an ask an actor made while handling a message. The question
// is held with the message's other effects until its save commits, unless the
// handler waits for the answer: then it must leave at once, or the handler
// would wait for ever. Waiting on a promise (await, then, catch, finally,
// Promise.all) always calls its `then`: a subclass whose `then` releases the
// question sees that. (`await` of a plain Promise would skip an own `then`.)

export class HeldAnswer<T> extends Promise<T> {
  /** Sends the held question; cleared once called. */
  release: (() => void) | undefined;

  // Promise methods build their results as plain promises, not as HeldAnswers.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  override then<A = T, B = never>(
    onfulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    const release = this.release;
    if (release) {
      this.release = undefined;
      release();
    }
    return super.then(onfulfilled, onrejected);
  }
}
