/**
 * The filter pool's task (runs on a piscina worker): keeps the stored records of one pull
 * result whose properties match a SQL92 expression. Records are the store's layout
 * (protocol/REMOTING.md 13.1) back to back; the kept ones are copied, in order, into a new
 * buffer returned to the coordinator.
 */
import { cachedSqlFilter } from './sql-filters.ts';
import { checkRecord } from '../../protocol/message-record.ts';
import { decodeProperties } from '../../protocol/properties.ts';

export interface FilterTask {
  expression: string;
  data: Uint8Array;
}

export interface FilterTaskResult {
  /** The kept records back to back (empty when none matched). */
  data: Uint8Array;
  kept: number;
  scanned: number;
  /** Set when the expression does not compile; nothing is kept then. */
  error?: string;
}

export function filterRecords(task: FilterTask): FilterTaskResult {
  const filter = cachedSqlFilter(task.expression);
  if ('problem' in filter)
    return { data: new Uint8Array(0), kept: 0, scanned: 0, error: filter.problem };
  const data = Buffer.from(task.data.buffer, task.data.byteOffset, task.data.byteLength);
  const keep: Array<[number, number]> = [];
  let bytes = 0;
  let scanned = 0;
  for (let at = 0; at + 4 <= data.length;) {
    const check = checkRecord(data, at, data.length - at, false);
    if (check.kind !== 'message') break;
    const { totalSize, propertiesStart, propertiesLength } = check.record;
    scanned++;
    const properties = decodeProperties(
      data.toString('utf8', propertiesStart, propertiesStart + propertiesLength),
    );
    if (filter.matches(properties)) {
      keep.push([at, totalSize]);
      bytes += totalSize;
    }
    at += totalSize;
  }
  const out = new Uint8Array(bytes);
  let to = 0;
  for (const [from, size] of keep) {
    out.set(data.subarray(from, from + size), to);
    to += size;
  }
  return { data: out, kept: keep.length, scanned };
}
