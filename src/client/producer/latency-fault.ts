/**
 * Brokers to avoid for a while: one that refused a connection, timed out or failed a send is
 * skipped by queue selection for `avoidMs` unless no other broker is left, so a dead broker
 * costs one failed attempt per avoidance period instead of one per send. A success clears it.
 * Bounded: an entry exists only per broker name seen in a route, and expired ones are dropped.
 */
export const DEFAULT_FAULT_AVOID_MS = 30_000;
const MAX_ENTRIES = 4096;

export class LatencyFaultTable {
  readonly #avoidUntilMs = new Map<string, number>();
  readonly #avoidMs: number;

  constructor(avoidMs = DEFAULT_FAULT_AVOID_MS) {
    this.#avoidMs = avoidMs;
  }

  failed(brokerName: string, nowMs = Date.now()): void {
    if (this.#avoidUntilMs.size >= MAX_ENTRIES) this.#dropExpired(nowMs);
    if (this.#avoidUntilMs.size >= MAX_ENTRIES) return;
    this.#avoidUntilMs.set(brokerName, nowMs + this.#avoidMs);
  }

  succeeded(brokerName: string): void {
    if (this.#avoidUntilMs.size > 0) this.#avoidUntilMs.delete(brokerName);
  }

  isAvailable(brokerName: string, nowMs = Date.now()): boolean {
    if (this.#avoidUntilMs.size === 0) return true;
    const until = this.#avoidUntilMs.get(brokerName);
    if (until === undefined) return true;
    if (until > nowMs) return false;
    this.#avoidUntilMs.delete(brokerName);
    return true;
  }

  #dropExpired(nowMs: number): void {
    for (const [name, until] of this.#avoidUntilMs)
      if (until <= nowMs) this.#avoidUntilMs.delete(name);
  }
}
