/**
 * The filter pool's task (runs on a piscina worker): keeps the stored records of one pull
 * whose properties match a SQL92 expression. The records (the store's layout, REMOTING.md
 * 13.1, back to back) arrive by transfer from the queue actor, are compacted where they lie,
 * and go back by transfer: no copy either way.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { filterRecordsInPlace } from './record-filter.ts';

export interface FilterTask {
  expression: string;
  data: Uint8Array;
}

export type FilterTaskResult =
  /** The kept records are data[0, bytes). */
  | { data: Uint8Array; kept: number; bytes: number }
  /** The expression does not compile; nothing is kept. */
  | { error: string };

export function filterRecords(task: FilterTask): FilterTaskResult {
  const { data } = task;
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const outcome = filterRecordsInPlace(buffer, 0, data.byteLength, task.expression);
  if (outcome.kind === 'invalid') return { error: outcome.reason };
  const result = { data, kept: outcome.kept, bytes: outcome.bytes };
  // piscina transfers what transferableSymbol lists and hands over valueSymbol's value.
  return move({
    get [transferableSymbol]() {
      return [data.buffer];
    },
    get [valueSymbol]() {
      return result;
    },
  }) as unknown as FilterTaskResult;
}
