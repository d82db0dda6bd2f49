import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRecord, GetMessageStatus, openStore } from '../../../native-free-store/index.ts';
import type { MessageInput, MessageStore } from '../../../native-free-store/index.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';

interface Sent {
  queueId: number;
  body: Buffer;
  properties: string;
}

function readQueue(
  store: MessageStore,
  topic: string,
  queueId: number,
): Array<{ body: Buffer; properties: string; queueOffset: number }> {
  const out: Array<{ body: Buffer; properties: string; queueOffset: number }> = [];
  let offset = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const read = store.getMessages({
      topic,
      queueId,
      queueOffset: offset,
      maxMessages: 13,
      maxBytes: 3000,
    });
    if (read.status !== GetMessageStatus.FOUND) break;
    for (let at = 0; at < read.data.length;) {
      const check = checkRecord(read.data, at, read.data.length - at, true);
      if (check.kind !== 'message') throw new Error('bad record in pull data');
      const r = check.record;
      out.push({
        body: Buffer.from(read.data.subarray(r.bodyStart, r.bodyStart + r.bodyLength)),
        properties: read.data.toString(
          'utf8',
          r.propertiesStart,
          r.propertiesStart + r.propertiesLength,
        ),
        queueOffset: r.queueOffset,
      });
      at += r.totalSize;
    }
    offset = read.nextQueueOffset;
  }
  return out;
}

const message = fc.record({
  queueId: fc.integer({ min: 0, max: 3 }),
  body: fc.uint8Array({ minLength: 0, maxLength: 1024 }),
  tag: fc.constantFrom('', 'A', 'B', 'Tag中'),
});

describe('store - property: append/read round trips across segment and consume-queue file boundaries', () => {
  it('reads back every body and property byte in order, before and after reopen', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(message, { minLength: 1, maxLength: 20 }), {
          minLength: 1,
          maxLength: 25,
        }),
        async (batches) => {
          const dir = makeTempDir('prop');
          try {
            const options = {
              directory: dir.path,
              maxMessageSizeBytes: 1024,
              segmentSizeBytes: 67_000 + (batches.length % 5) * 997,
              consumeQueueEntriesPerFile: 7,
            };
            let store = await openStore(options);
            const sent: Sent[] = [];
            for (const batch of batches) {
              const inputs: MessageInput[] = batch.map((m, i) => ({
                topic: 'P',
                queueId: m.queueId,
                body: Buffer.from(m.body),
                properties: m.tag ? `TAGS\u0001${m.tag}\u0002K\u0001${i}` : '',
              }));
              await store.append(inputs);
              for (const input of inputs)
                sent.push({
                  queueId: input.queueId,
                  body: Buffer.from(input.body),
                  properties: input.properties as string,
                });
            }
            for (let pass = 0; pass < 2; pass++) {
              for (let queueId = 0; queueId < 4; queueId++) {
                const expected = sent.filter((s) => s.queueId === queueId);
                const got = readQueue(store, 'P', queueId);
                expect(got.map((g) => g.queueOffset)).toEqual(expected.map((_, i) => i));
                expect(got.map((g) => g.body)).toEqual(expected.map((e) => e.body));
                expect(got.map((g) => g.properties)).toEqual(expected.map((e) => e.properties));
              }
              await store.close();
              if (pass === 0) store = await openStore(options);
            }
          } finally {
            dir.remove();
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
