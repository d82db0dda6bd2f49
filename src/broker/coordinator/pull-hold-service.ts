/**
 * Long polling (protocol/REMOTING.md 14.3): a pull that finds nothing new is parked under its
 * queue and re-run as soon as the queue's actor reports an arrival past the pull's offset, or
 * when its hold time ends. Parked pulls are bounded; one coarse timer serves all deadlines.
 */
export interface HeldPull {
  topic: string;
  queueId: number;
  queueOffset: number;
  deadlineMs: number;
  /** Runs the pull again (without parking) and answers it. */
  rerun: () => void;
  /** True once nobody waits for the answer (its connection closed): dropped at the sweep. */
  abandoned?: () => boolean;
}

const SWEEP_INTERVAL_MS = 100;

export class PullHoldService {
  private readonly held = new Map<string, HeldPull[]>();
  private count = 0;
  private readonly maxHeld: number;
  private timer: NodeJS.Timeout | undefined;
  /** Set by releaseAll: a stopping broker parks nothing more. */
  private closed = false;

  constructor(maxHeld: number) {
    this.maxHeld = maxHeld;
  }

  /** True once releaseAll ran: the broker is stopping. */
  get stopping(): boolean {
    return this.closed;
  }

  get size(): number {
    return this.count;
  }

  /** Parks a pull; false when the limit is reached or the broker stops (answer it now instead). */
  hold(pull: HeldPull): boolean {
    if (this.closed || this.count >= this.maxHeld) return false;
    const key = `${pull.topic}@${pull.queueId}`;
    let list = this.held.get(key);
    if (!list) {
      list = [];
      this.held.set(key, list);
    }
    list.push(pull);
    this.count++;
    this.timer ??= setInterval(() => this.sweep(Date.now()), SWEEP_INTERVAL_MS).unref();
    return true;
  }

  /** A queue grew to maxOffset: wake every pull parked below it. */
  arrived(topic: string, queueId: number, maxOffset: number): void {
    const key = `${topic}@${queueId}`;
    const list = this.held.get(key);
    if (!list) return;
    const waiting: HeldPull[] = [];
    const ready: HeldPull[] = [];
    for (const pull of list) (pull.queueOffset < maxOffset ? ready : waiting).push(pull);
    if (ready.length === 0) return;
    this.replace(key, waiting);
    this.count -= ready.length;
    for (const pull of ready) pull.rerun();
  }

  /**
   * Answers every parked pull now (shutdown), and every later one at once: a client re-pulls as
   * soon as it is answered, and a pull parked again before the listeners close would never be
   * answered, leaving the Java client waiting out its 30 s suspend timeout after the restart.
   */
  releaseAll(): void {
    this.closed = true;
    const all = [...this.held.values()].flat();
    this.held.clear();
    this.count = 0;
    for (const pull of all) pull.rerun();
    this.stopTimer();
  }

  private sweep(nowMs: number): void {
    for (const [key, list] of this.held) {
      const kept: HeldPull[] = [];
      const expired: HeldPull[] = [];
      let dropped = 0;
      for (const pull of list) {
        if (pull.abandoned?.() === true) dropped++;
        else (pull.deadlineMs <= nowMs ? expired : kept).push(pull);
      }
      if (expired.length === 0 && dropped === 0) continue;
      this.replace(key, kept);
      this.count -= expired.length + dropped;
      for (const pull of expired) pull.rerun();
    }
    if (this.count === 0) this.stopTimer();
  }

  private replace(key: string, list: HeldPull[]): void {
    if (list.length === 0) this.held.delete(key);
    else this.held.set(key, list);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
