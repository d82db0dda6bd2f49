/**
 * One coarse timer for every connection's call timeouts and idle check, in the manner of
 * undici's timers: a timer per request would cost a heap insert and removal per call on the
 * hot path, while a 100 ms sweep costs a walk over what is pending. The price is precision: a
 * timeout fires up to one tick late. The timer is unref'd and runs only while connections
 * exist.
 */
export const SWEEP_INTERVAL_MS = 100;

export interface Sweepable {
  sweep(nowMs: number): void;
}

const members = new Set<Sweepable>();
let timer: NodeJS.Timeout | undefined;

function tick(): void {
  const nowMs = Date.now();
  for (const member of members) member.sweep(nowMs);
}

export function watch(member: Sweepable): void {
  members.add(member);
  if (timer === undefined) {
    timer = setInterval(tick, SWEEP_INTERVAL_MS);
    timer.unref();
  }
}

export function unwatch(member: Sweepable): void {
  members.delete(member);
  if (members.size === 0 && timer !== undefined) {
    clearInterval(timer);
    timer = undefined;
  }
}
