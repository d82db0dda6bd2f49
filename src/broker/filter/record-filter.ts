/**
 * SQL92 over a pull's records where they lie: the queue actor reads the stored records into
 * its response-ring slot, then keeps the matching ones there, moved together in order. No
 * copy to another thread and back, and no SQL92 work on the coordinator's thread.
 */
import { checkRecord } from '../../protocol/message-record.ts';
import { decodeProperties } from '../../protocol/properties.ts';
import { cachedSqlFilter } from './sql-filters.ts';

export type RecordFilterOutcome =
  { kind: 'filtered'; kept: number; bytes: number } | { kind: 'invalid'; reason: string };

/**
 * Keeps the records in buffer[start, start + length) whose properties match expression,
 * compacted from start; records past a malformed one are dropped, as the store never serves
 * one. Returns how many were kept and the bytes they take.
 */
export function filterRecordsInPlace(
  buffer: Buffer,
  start: number,
  length: number,
  expression: string,
): RecordFilterOutcome {
  const filter = cachedSqlFilter(expression);
  if ('problem' in filter) return { kind: 'invalid', reason: filter.problem };
  const end = start + length;
  let to = start;
  let kept = 0;
  for (let at = start; at + 4 <= end;) {
    const check = checkRecord(buffer, at, end - at, false);
    if (check.kind !== 'message') break;
    const { totalSize, propertiesStart, propertiesLength } = check.record;
    const properties = decodeProperties(
      buffer.toString('utf8', propertiesStart, propertiesStart + propertiesLength),
    );
    if (filter.matches(properties)) {
      if (to !== at) buffer.copyWithin(to, at, at + totalSize);
      to += totalSize;
      kept++;
    }
    at += totalSize;
  }
  return { kind: 'filtered', kept, bytes: to - start };
}
