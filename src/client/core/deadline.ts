/** A bound on how long a caller waits for work that has no timeout of its own. */
import { TimeoutError } from './errors.ts';

/** Rejects with TimeoutError at deadlineMs; the work itself goes on and its result is dropped. */
export function withDeadline<T>(
  work: Promise<T> | T,
  deadlineMs: number,
  what: string,
): Promise<T> | T {
  if (!(work instanceof Promise)) return work;
  const remainingMs = deadlineMs - Date.now();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TimeoutError(`${what} timed out`)),
      Math.max(0, remainingMs),
    );
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
