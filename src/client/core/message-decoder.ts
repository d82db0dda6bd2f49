/**
 * Decodes stored messages as brokers return them (pull, query and view bodies; the layout is
 * src/protocol/message-record.ts): v1 and v2 magic, IPv4 and IPv6 hosts, zlib-compressed
 * bodies. A malformed record stops decoding with an error, never silently.
 */
import { inflateSync } from 'node:zlib';
import { MQClientError, ClientErrorCode } from './errors.ts';
import type { MessageExt } from './message.ts';
import { MessageProperty } from '../../protocol/property-names.ts';
import { decodeProperties } from '../../protocol/properties.ts';
import {
  Field,
  MESSAGE_MAGIC,
  MESSAGE_MAGIC_V2,
  SysFlag,
  readInt64,
  recordLayout,
} from '../../protocol/message-record.ts';
import { offsetMessageId } from '../../protocol/message-id.ts';

const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

export function decodeMessages(data: Buffer, brokerName?: string): MessageExt[] {
  const messages: MessageExt[] = [];
  let at = 0;
  while (at < data.length) {
    const message = decodeOne(data, at, brokerName);
    messages.push(message.message);
    at += message.size;
  }
  return messages;
}

function malformed(at: number, why: string): MQClientError {
  return new MQClientError(ClientErrorCode.BROKER_ERROR, `malformed message at byte ${at}: ${why}`);
}

function host(data: Buffer, at: number, v6: boolean): { text: string; bytes: Buffer } {
  const addressBytes = v6 ? 16 : 4;
  const bytes = data.subarray(at, at + addressBytes + 4);
  const port = data.readInt32BE(at + addressBytes);
  let address: string;
  if (v6) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(data.readUInt16BE(at + i).toString(16));
    address = `[${groups.join(':')}]`;
  } else {
    address = `${data[at]}.${data[at + 1]}.${data[at + 2]}.${data[at + 3]}`;
  }
  return { text: `${address}:${port}`, bytes };
}

function decodeOne(
  data: Buffer,
  start: number,
  brokerName: string | undefined,
): { message: MessageExt; size: number } {
  if (data.length - start < 8) throw malformed(start, 'truncated header');
  const size = data.readInt32BE(start);
  const magic = data.readInt32BE(start + 4);
  if (magic !== MESSAGE_MAGIC && magic !== MESSAGE_MAGIC_V2)
    throw malformed(start, `unknown magic ${magic}`);
  if (size < 8 || start + size > data.length)
    throw malformed(start, `size ${size} runs past the data`);
  const record = data.subarray(start, start + size);
  const bodyCrc = record.readInt32BE(Field.BODY_CRC);
  const queueId = record.readInt32BE(Field.QUEUE_ID);
  const flag = record.readInt32BE(Field.FLAG);
  const queueOffset = readInt64(record, Field.QUEUE_OFFSET);
  const commitLogOffset = readInt64(record, Field.PHYSICAL_OFFSET);
  const sysFlag = record.readInt32BE(Field.SYS_FLAG);
  const bornTimestamp = readInt64(record, Field.BORN_TIMESTAMP);
  const layout = recordLayout(sysFlag);
  if (layout.bodyLength + 4 > size) throw malformed(start, 'header runs past the record');
  const born = host(record, Field.BORN_HOST, (sysFlag & SysFlag.BORNHOST_V6) !== 0);
  const storeTimestamp = readInt64(record, layout.storeTimestamp);
  const stored = host(record, layout.storeHost, (sysFlag & SysFlag.STOREHOST_V6) !== 0);
  const reconsumeTimes = record.readInt32BE(layout.reconsumeTimes);
  const bodyLength = record.readInt32BE(layout.bodyLength);
  let at = layout.bodyLength + 4;
  if (bodyLength < 0 || at + bodyLength > size) throw malformed(start, 'body runs past the record');
  let body = Buffer.from(record.subarray(at, at + bodyLength));
  at += bodyLength;
  const topicLength = magic === MESSAGE_MAGIC_V2 ? record.readInt16BE(at) : record.readInt8(at);
  at += magic === MESSAGE_MAGIC_V2 ? 2 : 1;
  const topic = record.toString('utf8', at, at + topicLength);
  at += topicLength;
  const propertiesLength = record.readInt16BE(at);
  at += 2;
  if (propertiesLength < 0 || at + propertiesLength > size)
    throw malformed(start, 'properties run past the record');
  const properties = decodeProperties(record.toString('utf8', at, at + propertiesLength));
  if ((sysFlag & SysFlag.COMPRESSED) !== 0) {
    try {
      body = inflateSync(body, { maxOutputLength: MAX_INFLATED_BYTES });
    } catch (cause) {
      throw new MQClientError(
        ClientErrorCode.BROKER_ERROR,
        `cannot inflate the body of the message at byte ${start}`,
        { cause },
      );
    }
  }
  const offsetMsgId = offsetMessageId(stored.bytes, commitLogOffset);
  const keys = properties[MessageProperty.KEYS];
  return {
    size,
    message: {
      topic,
      body,
      tags: properties[MessageProperty.TAGS],
      keys: keys ? keys.split(' ').filter((key) => key.length > 0) : [],
      properties,
      msgId: properties[MessageProperty.UNIQ_KEY] ?? offsetMsgId,
      offsetMsgId,
      queueId,
      queueOffset,
      commitLogOffset,
      bornTimestamp,
      storeTimestamp,
      bornHost: born.text,
      storeHost: stored.text,
      reconsumeTimes,
      sysFlag,
      flag,
      bodyCrc,
      brokerName,
    },
  };
}
