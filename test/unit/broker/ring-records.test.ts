import { describe, expect, it } from 'vitest';
import {
  decodeArrival,
  encodeArrival,
  arrivalRecordBytes,
} from '../../../src/broker/actor/arrival-record.ts';
import { decodePull, encodePull, pullRecordBytes } from '../../../src/broker/actor/pull-record.ts';
import type { PullRequest } from '../../../src/broker/actor/pull-record.ts';
import {
  decodePullResult,
  encodePullResultHeader,
  pullResultDataStart,
  pullResultRecordBytes,
} from '../../../src/broker/actor/pull-result-record.ts';
import { InternTable, SendStatus } from '../../../src/broker/actor/ring-records.ts';
import {
  ackRemarkBytes,
  decodeSendAck,
  encodeSendAck,
  sendAckRecordBytes,
} from '../../../src/broker/actor/send-ack-record.ts';
import { decodeSend, encodeSend, sendRecordBytes } from '../../../src/broker/actor/send-record.ts';
import type { SendRequest } from '../../../src/broker/actor/send-record.ts';

/** A shared buffer like a ring's storage; records start at an odd offset on purpose. */
function slot(bytes: number): { bytes: Uint8Array; view: DataView; buffer: Buffer } {
  const shared = new SharedArrayBuffer(bytes + 64);
  return {
    bytes: new Uint8Array(shared),
    view: new DataView(shared),
    buffer: Buffer.from(shared),
  };
}
const AT = 13;

describe('ring records: each encoder against its decoder', () => {
  it('SEND carries topic, born host (as stored), flags and every part', () => {
    const request: SendRequest = {
      shard: 3,
      topic: 'OrdersTopic',
      queueId: 5,
      sysFlag: 2,
      bornTimestamp: 1_700_000_000_123,
      bornHost: [192, 168, 7, 9],
      bornPort: 54321,
      reconsumeTimes: 4,
      waitDurable: false,
      messages: [
        { flag: 1, properties: 'KEYS\u0001a', body: Buffer.from('first') },
        {
          flag: 2,
          properties: Buffer.from('TAGS\u0001t'),
          propertiesSuffix: 'WAIT\u0001true',
          body: Buffer.from('second, longer'),
        },
        { flag: 3, properties: '', propertiesSuffix: 'UNIQ_KEY\u0001u', body: Buffer.alloc(0) },
      ],
    };
    const size = sendRecordBytes(request);
    const { bytes, view, buffer } = slot(size);
    encodeSend(bytes, view, AT, request, 77);
    const topics = new InternTable();
    const bornHost = Buffer.alloc(8);
    const send = decodeSend(buffer, view, AT, size, topics, bornHost);
    expect(send).toMatchObject({ shard: 3, requestId: 77, queueId: 5, waitDurable: false });
    expect(send.topic.text).toBe('OrdersTopic');
    expect(send.topic.bytes.toString()).toBe('OrdersTopic');
    expect([...bornHost]).toEqual([192, 168, 7, 9, 0, 0, 0xd4, 0x31]);
    expect(send.messages.map((m) => [m.flag, String(m.properties), String(m.body)])).toEqual([
      [1, 'KEYS\u0001a', 'first'],
      [2, 'TAGS\u0001t\u0002WAIT\u0001true', 'second, longer'],
      [3, 'UNIQ_KEY\u0001u', ''],
    ]);
    for (const m of send.messages) {
      expect(m).toMatchObject({ topic: 'OrdersTopic', queueId: 5, sysFlag: 2, reconsumeTimes: 4 });
      expect(m.bornTimestamp).toBe(1_700_000_000_123);
      expect(m.topicBytes).toBe(send.topic.bytes);
    }
    // The same name found again is the same interned entry, with nothing new decoded.
    expect(decodeSend(buffer, view, AT, size, topics, bornHost).topic).toBe(send.topic);
  });

  it('PULL carries the query, tag codes and a SQL92 expression', () => {
    const request: PullRequest = {
      shard: 1,
      topic: 'T',
      queueId: 2,
      queueOffset: 2 ** 40 + 3,
      maxMessages: 32,
      maxBytes: 262144,
      tagCodes: [-5, 7],
      sql: "region = 'é' AND n > 3",
    };
    const size = pullRecordBytes(request);
    const { bytes, view, buffer } = slot(size);
    encodePull(bytes, view, AT, request, 9);
    const pull = decodePull(buffer, view, AT, new InternTable());
    expect(pull.shard).toBe(1);
    expect(pull.requestId).toBe(9);
    expect(pull.sql).toBe(request.sql);
    expect(pull.query).toMatchObject({
      topic: 'T',
      queueId: 2,
      queueOffset: 2 ** 40 + 3,
      maxMessages: 32,
      maxBytes: 262144,
    });
    expect([...pull.query.tagsCodes!]).toEqual([-5, 7]);
    const plain = { ...request, tagCodes: [], sql: undefined };
    encodePull(bytes, view, AT, plain, 10);
    const decoded = decodePull(buffer, view, AT, new InternTable());
    expect(decoded.sql).toBeUndefined();
    expect(decoded.query.tagsCodes).toBeUndefined();
    expect(() => pullRecordBytes({ ...request, sql: 'x'.repeat(70_000) })).toThrow(/sql is 70000/);
  });

  it('SEND_ACK carries status, offsets and the remark', () => {
    const remark = ackRemarkBytes('disk full: ' + 'x'.repeat(2000));
    const offsets = [0, 2 ** 47 + 1, 99];
    const { bytes, view } = slot(sendAckRecordBytes(offsets.length, remark));
    encodeSendAck(bytes, view, AT, 5, SendStatus.SERVICE_NOT_AVAILABLE, 12, offsets, remark);
    const ack = decodeSendAck(bytes, view, AT);
    expect(ack.status).toBe(SendStatus.SERVICE_NOT_AVAILABLE);
    expect(ack.firstQueueOffset).toBe(12);
    expect(ack.physicalOffsets).toEqual(offsets);
    expect(ack.remark).toHaveLength(1000);
    expect(ackRemarkBytes('')).toBeUndefined();
  });

  it('PULL_RESULT carries the header and copies the records out only when wanted', () => {
    const records = Buffer.from('stored records, back to back');
    const { bytes, view } = slot(pullResultRecordBytes(records.length));
    const header = {
      status: 'FOUND' as const,
      nextQueueOffset: 40,
      minOffset: 1,
      maxOffset: 50,
      messageCount: 3,
    };
    encodePullResultHeader(view, AT, 21, header, records.length);
    bytes.set(records, pullResultDataStart(AT));
    const wanted = decodePullResult(bytes, view, AT, () => true);
    expect(wanted.requestId).toBe(21);
    expect(wanted.result).toMatchObject({
      status: 'FOUND',
      nextBeginOffset: 40,
      minOffset: 1,
      maxOffset: 50,
      messageCount: 3,
      dataSkipped: false,
    });
    expect(wanted.result.data?.equals(records)).toBe(true);
    // A copy, not a view of the ring: the ring's bytes are reused.
    bytes.fill(0, pullResultDataStart(AT));
    expect(wanted.result.data?.equals(records)).toBe(true);
    encodePullResultHeader(view, AT, 22, header, records.length);
    const skipped = decodePullResult(bytes, view, AT, () => false);
    expect(skipped.result.data).toBeUndefined();
    expect(skipped.result.dataSkipped).toBe(true);
  });

  it('ARRIVAL carries the queue and its new end', () => {
    const topic = Buffer.from('%RETRY%group-a');
    const { bytes, view } = slot(arrivalRecordBytes(topic));
    encodeArrival(bytes, view, AT, 2, 6, 1234, topic);
    expect(decodeArrival(bytes, view, AT, new InternTable())).toEqual({
      topic: '%RETRY%group-a',
      queueId: 6,
      maxOffset: 1234,
    });
  });

  it('InternTable tells apart names of any length and content, and stays bounded', () => {
    const table = new InternTable();
    const buffer = Buffer.from('abcabdabcdab\u00e9');
    const abc = table.lookup(buffer, 0, 3);
    expect(abc.text).toBe('abc');
    expect(table.lookup(buffer, 3, 3).text).toBe('abd');
    expect(table.lookup(buffer, 6, 4).text).toBe('abcd');
    expect(table.lookup(buffer, 6, 3)).toBe(abc);
    expect(table.lookup(buffer, 10, 4).text).toBe('ab\u00e9');
    expect(table.lookup(buffer, 0, 0).text).toBe('');
    for (let i = 0; i < 25_000; i++) {
      const name = Buffer.from(`topic-${i}`);
      expect(table.lookup(name, 0, name.length).text).toBe(`topic-${i}`);
    }
  });
});
