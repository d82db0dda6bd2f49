/**
 * Memory back after a flood. What peers that stopped reading left queued, and the requests
 * they had in flight, are garbage once their connections close, but V8 frees the buffers
 * behind them (external memory) only at its next full collection, and a process that has gone
 * quiet may not run one for minutes: RSS then stays at the flood's peak. So when such a
 * connection closes, a full collection (and a follow-up) is asked for shortly after, at most
 * once per RECLAIM_INTERVAL_MS, through the gc function V8 exposes on request (a pause of a few ms
 * for a heap of tens of MiB).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** After the last such close, so a burst of closes costs one collection. */
const RECLAIM_DELAY_MS = 1000;
/**
 * A second collection this long after each: buffers whose owners the first one found dead are
 * released by their finalizers after it, and only the next collection returns that memory.
 */
const FOLLOW_UP_MS = 2000;
/** At most one collection this often, however long a flood goes on. */
const RECLAIM_INTERVAL_MS = 3000;

let collect: (() => void) | null | undefined;
let timer: NodeJS.Timeout | undefined;
let lastMs = 0;
let count = 0;

function gcFunction(): (() => void) | null {
  if (collect !== undefined) return collect;
  try {
    setFlagsFromString('--expose-gc');
    const found: unknown = runInNewContext('gc');
    collect = typeof found === 'function' ? (found as () => void) : null;
  } catch {
    collect = null;
  }
  return collect;
}

/** Full collections run for closed backlogged connections so far. */
export function reclaimCount(): number {
  return count;
}

/** A connection that held large buffers closed: collect once they are all garbage. */
export function scheduleReclaim(): void {
  if (timer !== undefined) clearTimeout(timer);
  const waitMs = Math.max(RECLAIM_DELAY_MS, lastMs + RECLAIM_INTERVAL_MS - Date.now());
  timer = setTimeout(() => {
    timer = undefined;
    const gc = gcFunction();
    if (gc === null) return;
    lastMs = Date.now();
    count++;
    gc();
    setTimeout(gc, FOLLOW_UP_MS).unref();
  }, waitMs);
  timer.unref();
}
