/**
 * The filter pool's task (runs on a piscina worker): keeps the stored records of one pull
 * result whose properties match a SQL92 expression. Records are the store's layout
 * (protocol/REMOTING.md 13.1) back to back; the kept ones are copied, in order, into a new
 * buffer that is transferred back to the coordinator.
 */
import { checkRecord, decodeProperties } from '../../../native-free-store/index.ts';
import { compileSqlFilter } from '../../filter/sql92/index.ts';
import type { CompiledSqlFilter } from '../../filter/sql92/index.ts';

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

/** Compiled expressions of this worker; a new one evicts the oldest past the limit. */
const MAX_CACHED = 1024;
const compiled = new Map<string, CompiledSqlFilter>();

function compiledFilter(expression: string): CompiledSqlFilter {
  let filter = compiled.get(expression);
  if (!filter) {
    filter = compileSqlFilter(expression);
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(expression, filter);
  }
  return filter;
}

export function filterRecords(task: FilterTask): FilterTaskResult {
  let filter: CompiledSqlFilter;
  try {
    filter = compiledFilter(task.expression);
  } catch (error) {
    return { data: new Uint8Array(0), kept: 0, scanned: 0, error: (error as Error).message };
  }
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
