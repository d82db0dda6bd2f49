/**
 * The pieces of replication that need no sockets: the handshake and frame cutting, SYNC_MASTER's
 * waiters, the message counter behind lag in messages, the shared written positions.
 */
import { describe, expect, it } from 'vitest';
import {
  ByteQueue,
  HA_PROTOCOL,
  HaProtocolError,
  encodeHandshake,
  parseSlaveHello,
  parseWelcome,
  takeHandshake,
} from '../../../src/broker/ha/ha-wire.ts';
import type { SlaveHello } from '../../../src/broker/ha/ha-wire.ts';
import { RecordCounter } from '../../../src/broker/ha/record-counter.ts';
import { ReplicaWaiters } from '../../../src/broker/ha/replica-waiters.ts';
import {
  WrittenPositions,
  createWrittenPositions,
} from '../../../src/broker/ha/written-positions.ts';
import { BLANK_MAGIC, MESSAGE_MAGIC } from '../../../src/protocol/message-record.ts';

const hello: SlaveHello = {
  protocol: HA_PROTOCOL,
  version: 1,
  clusterName: 'c',
  brokerName: 'b',
  brokerId: 1,
  slaveAddr: '127.0.0.1:1',
  shard: 0,
  shards: 2,
  segmentSizeBytes: 1024,
  end: 10,
  epochs: [{ epoch: 1, startOffset: 0 }],
};

describe('ha wire', () => {
  it('ha wire - a handshake split over many chunks is cut out whole, the bytes after it stay', () => {
    const frame = Buffer.concat([encodeHandshake(hello), Buffer.from([1, 2, 3])]);
    const queue = new ByteQueue();
    let message: unknown;
    for (let i = 0; i < frame.length && message === undefined; i++) {
      queue.push(frame.subarray(i, i + 1));
      message = takeHandshake(queue);
    }
    expect(parseSlaveHello(message)).toEqual(hello);
    queue.push(frame.subarray(frame.length - 3));
    expect([...queue.take(3)]).toEqual([1, 2, 3]);
  });

  it('ha wire - a bad hello names its field; an oversized handshake is refused before it is read', () => {
    expect(() => parseSlaveHello({ ...hello, shard: -1 })).toThrow(/shard/);
    expect(() => parseSlaveHello({ ...hello, protocol: 'x' })).toThrow(/protocol/);
    expect(() => parseSlaveHello({ ...hello, epochs: [{ epoch: 'a' }] })).toThrow(/epochs/);
    expect(() => parseWelcome({ ok: true, startOffset: -5, masterEpoch: 0, epochs: [] })).toThrow(
      HaProtocolError,
    );
    const queue = new ByteQueue();
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(1 << 30);
    queue.push(huge);
    expect(() => takeHandshake(queue)).toThrow(/handshake of/);
  });
});

describe('replica waiters', () => {
  it('replica waiters - one acknowledgement settles every send below it, in order; later ones wait', () => {
    const waiters = new ReplicaWaiters(2, 10);
    const settled: string[] = [];
    for (const offset of [100, 200, 300])
      waiters.add(0, offset, 10_000, (outcome) => settled.push(`${offset}:${outcome}`));
    waiters.add(1, 50, 10_000, (outcome) => settled.push(`s1:${outcome}`));
    waiters.acknowledged(0, 250);
    expect(settled).toEqual(['100:replicated', '200:replicated']);
    expect(waiters.size).toBe(2);
    waiters.failAll();
    expect(settled).toEqual(['100:replicated', '200:replicated', '300:timeout', 's1:timeout']);
    expect(waiters.size).toBe(0);
  });

  it('replica waiters - past its deadline a send times out; past the bound nothing is queued', async () => {
    const waiters = new ReplicaWaiters(1, 2);
    const settled: string[] = [];
    expect(waiters.add(0, 10, 30, (outcome) => settled.push(outcome))).toBe(true);
    expect(waiters.add(0, 20, 30, (outcome) => settled.push(outcome))).toBe(true);
    expect(waiters.add(0, 30, 30, () => settled.push('never'))).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(settled).toEqual(['timeout', 'timeout']);
    expect(waiters.size).toBe(0);
  });
});

/** A run of records: `sizes` messages, then a blank marker of blank bytes. */
function records(sizes: number[], blank = 0): Buffer {
  const parts = sizes.map((size) => {
    const record = Buffer.alloc(size);
    record.writeInt32BE(size, 0);
    record.writeInt32BE(MESSAGE_MAGIC, 4);
    return record;
  });
  if (blank > 0) {
    const marker = Buffer.alloc(blank);
    marker.writeInt32BE(blank, 0);
    marker.writeInt32BE(BLANK_MAGIC, 4);
    parts.push(marker);
  }
  return Buffer.concat(parts);
}

describe('record counter', () => {
  it('record counter - counts messages across frames that cut records and headers, not blank markers', () => {
    const log = records([100, 120, 90, 300, 110], 80);
    const counter = new RecordCounter(1000);
    // Frames of 7 and 33 bytes cut every header somewhere.
    for (let at = 0, i = 0; at < log.length; i++) {
      const size = i % 2 === 0 ? 7 : 33;
      counter.observe(1000 + at, log.subarray(at, at + size));
      at += size;
    }
    const end = 1000 + log.length;
    expect(counter.lagMessages(end, end, end)).toBe(0);
    expect(counter.lagMessages(1000, end, end)).toBe(5);
    // Unsent bytes are counted at the average message size seen (144 B).
    expect(counter.lagMessages(end, end, end + 1440)).toBe(10);
  });
});

describe('written positions', () => {
  it('written positions - a publish wakes a waiter on that shard and is read back', async () => {
    const buffer = createWrittenPositions(3);
    const actor = new WrittenPositions(buffer);
    const reader = new WrittenPositions(buffer);
    const seen = reader.sequence(2);
    const woke = reader.changedSince(2, seen, 5000);
    actor.publish(2, 2 ** 40 + 7);
    await woke;
    expect(reader.end(2)).toBe(2 ** 40 + 7);
    expect(reader.end(1)).toBe(0);
    expect(reader.sequence(2)).toBe(seen + 1);
  });
});
