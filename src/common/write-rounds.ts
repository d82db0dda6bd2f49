/**
 * Group commit for a file rewritten in full on every change. A caller that changes the data
 * waits for a write that started after its change; changes made while a write is under way
 * share the next one. So a burst of changes costs one rewrite per round, not one per change,
 * and each change is answered only once it is on disk.
 */
export class WriteRounds {
  private writing: Promise<void> | undefined;
  private waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  /** @param write renders the current data and writes it; its rejection fails the round. */
  constructor(private readonly write: () => Promise<void>) {}

  /** Settles once a write that includes every change made so far has landed, or failed. */
  written(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (this.writing === undefined) this.startRound();
    return done;
  }

  /** Settles once no write is under way or due; never rejects. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private startRound(): void {
    const waiters = this.waiting;
    this.waiting = [];
    let round: Promise<void>;
    try {
      round = this.write();
    } catch (error) {
      round = Promise.reject(error as Error);
    }
    this.writing = round.then(
      () => {
        for (const waiter of waiters) waiter.resolve();
      },
      (error: Error) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
    void this.writing.then(() => {
      this.writing = undefined;
      if (this.waiting.length > 0) this.startRound();
    });
  }
}
