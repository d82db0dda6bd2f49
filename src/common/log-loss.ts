/**
 * Log lines the process could not write to its log file (a full or failing disk), counted for
 * the /metrics endpoint. Process-wide: one log file per daemon process.
 */
let dropped = 0;
let writeErrors = 0;

/** A line discarded because the file's buffer was at its limit. */
export function countDroppedLogLine(): void {
  dropped++;
}

/** A failed write to the log file (its lines stay buffered and are retried). */
export function countLogWriteError(): void {
  writeErrors++;
}

export function logLoss(): { droppedLines: number; writeErrors: number } {
  return { droppedLines: dropped, writeErrors };
}
