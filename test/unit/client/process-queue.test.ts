import { describe, expect, it } from 'vitest';
import type { MessageExt } from '../../../src/client/core/message.ts';
import { ProcessQueue } from '../../../src/client/consumer/process-queue.ts';

function message(queueOffset: number, body = 'x'): MessageExt {
  return {
    topic: 'T',
    body: Buffer.from(body),
    tags: undefined,
    keys: [],
    properties: {},
    msgId: `id-${queueOffset}`,
    offsetMsgId: '',
    queueId: 0,
    queueOffset,
    commitLogOffset: queueOffset * 100,
    bornTimestamp: 0,
    storeTimestamp: 0,
    bornHost: '',
    storeHost: '',
    reconsumeTimes: 0,
    sysFlag: 0,
    flag: 0,
    bodyCrc: 0,
    brokerName: 'b',
  };
}

describe('process queue - commit offsets', () => {
  it('process queue - commits the lowest unfinished offset, never past an unfinished message', () => {
    const pq = new ProcessQueue({ topic: 'T', brokerName: 'b', queueId: 0 });
    expect(pq.commitOffset()).toBe(-1);
    const batch = [10, 11, 12, 13].map((o) => message(o, 'abc'));
    expect(pq.add(batch)).toHaveLength(4);
    expect(pq.messageCount).toBe(4);
    expect(pq.messageBytes).toBe(12);
    expect(pq.offsetSpan).toBe(3);
    expect(pq.remove([batch[1]!, batch[2]!])).toBe(10);
    expect(pq.remove([batch[0]!])).toBe(13);
    expect(pq.remove([batch[3]!])).toBe(14);
    expect(pq.messageCount).toBe(0);
    expect(pq.messageBytes).toBe(0);
    expect(pq.remove([batch[3]!])).toBe(14);
    // Pulls scanned past messages the filter skipped: nothing held, so all of it is done.
    pq.scannedTo(20);
    expect(pq.commitOffset()).toBe(20);
    pq.add([message(20)]);
    expect(pq.commitOffset()).toBe(20);
    expect(pq.remove([message(20)])).toBe(21);
  });

  it('process queue - ignores repeated offsets, keeps order for orderly heads, and resets', () => {
    const pq = new ProcessQueue({ topic: 'T', brokerName: 'b', queueId: 0 });
    pq.add([message(0), message(1), message(2)]);
    expect(pq.add([message(1), message(2), message(3)]).map((m) => m.queueOffset)).toEqual([3]);
    expect(pq.head(2).map((m) => m.queueOffset)).toEqual([0, 1]);
    pq.reset();
    expect(pq.commitOffset()).toBe(-1);
    expect(pq.add([message(0)])).toHaveLength(1);
    pq.drop();
    expect(pq.dropped).toBe(true);
    expect(pq.messageCount).toBe(0);
    expect(pq.add([message(5)])).toEqual([]);
  });
});
