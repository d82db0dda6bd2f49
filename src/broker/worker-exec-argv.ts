/**
 * The node flags a broker's worker threads (queue actors, filter pool) inherit. Flags that only
 * make sense for the main entry (`--input-type` with `-e`) make Worker refuse to start, so an
 * app started that way could not start a broker.
 */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
}
