import { afterEach, describe, expect, it } from 'vitest';
import { checkRecord, openStore } from '../../../native-free-store/index.ts';
import type { MessageStore } from '../../../native-free-store/index.ts';
import { FilterPool } from '../../../src/broker/filter/filter-pool.ts';
import { filterRecordsInPlace } from '../../../src/broker/filter/record-filter.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';

const dir = makeTempDir('record-filter');
let store: MessageStore | undefined;
afterEach(async () => {
  await store?.close();
  dir.remove();
});

function bodies(buffer: Buffer, start: number, length: number): string[] {
  const out: string[] = [];
  for (let at = start; at < start + length;) {
    const check = checkRecord(buffer, at, start + length - at, true);
    if (check.kind !== 'message') throw new Error(`no record at ${at}`);
    const { bodyStart, bodyLength, totalSize } = check.record;
    out.push(buffer.toString('utf8', bodyStart, bodyStart + bodyLength));
    at += totalSize;
  }
  return out;
}

describe('filterRecordsInPlace', () => {
  it('keeps the matching records, intact and in order, moved to the front of the slot', async () => {
    store = await openStore({
      directory: dir.path,
      segmentSizeBytes: 1024 * 1024,
      maxMessageSizeBytes: 4096,
    });
    for (let i = 0; i < 20; i++) {
      store.appendBatch([
        {
          topic: 'F',
          queueId: 0,
          body: Buffer.from(`message ${i} `.repeat(1 + (i % 5))),
          properties: `n\u0001${i}\u0002color\u0001${i % 3 === 0 ? 'red' : 'blue'}`,
        },
      ]);
    }
    store.writePending();
    const read = store.getMessages({ topic: 'F', queueId: 0, queueOffset: 0, maxMessages: 20 });
    const slot = Buffer.alloc(read.data.length + 30);
    read.data.copy(slot, 30);
    const outcome = filterRecordsInPlace(slot, 30, read.data.length, "color = 'red' AND n > 2");
    expect(outcome.kind).toBe('filtered');
    if (outcome.kind !== 'filtered') return;
    expect(outcome.kept).toBe(6);
    expect(bodies(slot, 30, outcome.bytes).map((b) => b.split(' ')[1])).toEqual([
      '3',
      '6',
      '9',
      '12',
      '15',
      '18',
    ]);
    const none = filterRecordsInPlace(slot, 30, outcome.bytes, "color = 'green'");
    expect(none).toEqual({ kind: 'filtered', kept: 0, bytes: 0 });
    expect(filterRecordsInPlace(slot, 30, 10, 'color = ').kind).toBe('invalid');
  });

  it('the filter pool takes the records by transfer and returns the kept ones the same way', async () => {
    store = await openStore({
      directory: dir.path,
      segmentSizeBytes: 1024 * 1024,
      maxMessageSizeBytes: 4096,
    });
    for (let i = 0; i < 10; i++)
      store.appendBatch([
        { topic: 'P', queueId: 0, body: Buffer.from(`m${i}`), properties: `n\u0001${i}` },
      ]);
    store.writePending();
    const read = store.getMessages({ topic: 'P', queueId: 0, queueOffset: 0, maxMessages: 10 });
    const pool = new FilterPool({ threads: 1, maxQueue: 4 });
    try {
      const records = new Uint8Array(read.data.length);
      records.set(read.data);
      const outcome = await pool.filter('n >= 7', records);
      // Transferred, not copied: the caller's buffer is detached.
      expect(records.byteLength).toBe(0);
      expect(outcome.kind).toBe('filtered');
      if (outcome.kind !== 'filtered') return;
      expect(outcome.kept).toBe(3);
      expect(bodies(Buffer.from(outcome.data), 0, outcome.bytes)).toEqual(['m7', 'm8', 'm9']);
      const bad = await pool.filter('n >= ', new Uint8Array(read.data));
      expect(bad.kind).toBe('invalid');
    } finally {
      await pool.close();
    }
    expect(await pool.filter('n > 1', new Uint8Array(8))).toEqual({ kind: 'busy' });
  });
});
