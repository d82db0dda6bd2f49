import { describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../../../src/broker/broker-config.ts';
import { buildSubscription } from '../../../src/broker/clients/subscription.ts';
import { ipv4Bytes, splitPhysicalOffset } from '../../../src/broker/message-id.ts';
import { PullHoldService } from '../../../src/broker/coordinator/pull-hold-service.ts';
import { decodeOffsetMessageId, MessageIdCodec } from '../../../src/protocol/message-id.ts';
import { decodeBatchBody } from '../../../src/protocol/batch-body.ts';

describe('broker parts - ids, config, subscriptions, batches and held pulls', () => {
  it('builds offset message ids with the shard in the high bits and decodes them back', () => {
    const ids = new MessageIdCodec([127, 0, 0, 1], 10911);
    const offset = 3 * 2 ** 48 + 1234;
    const id = ids.offsetId(offset);
    expect(id).toBe('7F00000100002A9F000300000000' + '04D2');
    expect(decodeOffsetMessageId(id)).toEqual({
      address: '127.0.0.1:10911',
      physicalOffset: offset,
    });
    expect(splitPhysicalOffset(offset)).toEqual({ shard: 3, local: 1234 });
    expect(ipv4Bytes('::ffff:10.1.2.3')).toEqual([10, 1, 2, 3]);
    expect(ipv4Bytes('::1')).toEqual([0, 0, 0, 0]);
  });

  it('reads broker.properties keys, warns about unknown ones with the closest key, and names bad values', () => {
    const { config, warnings } = loadBrokerConfig([
      ['brokerName', 'broker-b'],
      ['flushDiskType', 'SYNC_FLUSH'],
      ['listenPort', '20911'],
      ['brokerNmae', 'x'],
    ]);
    expect(config).toMatchObject({
      brokerName: 'broker-b',
      flushDiskType: 'SYNC_FLUSH',
      listenPort: 20911,
    });
    expect(warnings).toEqual(['unknown config key brokerNmae (ignored); did you mean brokerName?']);
    expect(() => loadBrokerConfig([['flushDiskType', 'SOMETIMES']])).toThrow(
      "invalid value for flushDiskType: 'SOMETIMES' (allowed: ASYNC_FLUSH, SYNC_FLUSH)",
    );
    expect(() => loadBrokerConfig([['listenPort', '70000']])).toThrow(/listenPort.*\[0, 65535\]/);
  });

  it('turns tag expressions into Java hash codes', () => {
    expect(buildSubscription('T', 'A || B').codeSet).toEqual([65, 66]);
    expect(buildSubscription('T', '*').codeSet).toEqual([]);
    expect(buildSubscription('T', ' ').subString).toBe('*');
  });

  it('decodes batch bodies and refuses inconsistent ones', () => {
    const record = (body: string, properties: string): Buffer => {
      const b = Buffer.from(body);
      const p = Buffer.from(properties);
      const out = Buffer.alloc(20 + b.length + 2 + p.length);
      out.writeInt32BE(out.length, 0);
      out.writeInt32BE(7, 12);
      out.writeInt32BE(b.length, 16);
      b.copy(out, 20);
      out.writeInt16BE(p.length, 20 + b.length);
      p.copy(out, 22 + b.length);
      return out;
    };
    const parts = decodeBatchBody(
      Buffer.concat([record('one', 'UNIQ_KEY\u0001a'), record('two', '')]),
      'WAIT\u0001true',
    );
    expect(
      Array.isArray(parts) &&
        parts.map((p) => [p.flag, p.body.toString(), p.properties.toString()]),
    ).toEqual([
      [7, 'one', 'UNIQ_KEY\u0001a'],
      [7, 'two', ''],
    ]);
    expect(decodeBatchBody(record('x', '').subarray(0, 10), '')).toMatch(/truncated/);
    expect(decodeBatchBody(Buffer.alloc(0), '')).toBe('the batch is empty');
  });

  it('wakes held pulls on arrival past their offset, and expires the rest', async () => {
    const holds = new PullHoldService(2);
    const woken: string[] = [];
    const held = (name: string, queueOffset: number, deadlineMs: number) => ({
      topic: 'T',
      queueId: 0,
      queueOffset,
      deadlineMs,
      rerun: () => woken.push(name),
    });
    expect(holds.hold(held('a', 5, Date.now() + 60_000))).toBe(true);
    expect(holds.hold(held('b', 9, Date.now() + 150))).toBe(true);
    expect(holds.hold(held('c', 0, Date.now()))).toBe(false);
    holds.arrived('T', 0, 6);
    expect(woken).toEqual(['a']);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(woken).toEqual(['a', 'b']);
    expect(holds.size).toBe(0);
  });

  it('answers every held pull at shutdown and parks none after it', () => {
    const holds = new PullHoldService(4);
    const woken: string[] = [];
    const held = (name: string) => ({
      topic: 'T',
      queueId: 0,
      queueOffset: 0,
      deadlineMs: Date.now() + 60_000,
      rerun: () => woken.push(name),
    });
    expect(holds.hold(held('a'))).toBe(true);
    holds.releaseAll();
    expect(woken).toEqual(['a']);
    // The client pulls again at once; parked now, nobody would answer it before the stop.
    expect(holds.hold(held('b'))).toBe(false);
    expect(holds.size).toBe(0);
  });
});
