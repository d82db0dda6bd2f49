/**
 * Decodes stored messages as brokers return them (pull, query and view bodies; layout in
 * protocol/REMOTING.md 13.1): v1 and v2 magic, IPv4 and IPv6 hosts, zlib-compressed bodies.
 * A malformed record stops decoding with an error, never silently.
 */
import { inflateSync } from 'node:zlib';
import { MQClientError, ClientErrorCode } from './errors.ts';
import type { MessageExt } from './message.ts';
import { decodeProperties, MessageProperty } from './message.ts';

const MAGIC_V1 = -626843481;
const MAGIC_V2 = -626843477;
const COMPRESSED = 0x1;
const BORN_HOST_V6 = 0x10;
const STORE_HOST_V6 = 0x20;
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

function host(
  data: Buffer,
  at: number,
  v6: boolean,
): { text: string; bytes: Buffer; next: number } {
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
  return { text: `${address}:${port}`, bytes, next: at + addressBytes + 4 };
}

function readLong(data: Buffer, at: number): number {
  return data.readInt32BE(at) * 2 ** 32 + data.readUInt32BE(at + 4);
}

function decodeOne(
  data: Buffer,
  start: number,
  brokerName: string | undefined,
): { message: MessageExt; size: number } {
  if (data.length - start < 8) throw malformed(start, 'truncated header');
  const size = data.readInt32BE(start);
  const magic = data.readInt32BE(start + 4);
  if (magic !== MAGIC_V1 && magic !== MAGIC_V2) throw malformed(start, `unknown magic ${magic}`);
  if (size < 8 || start + size > data.length)
    throw malformed(start, `size ${size} runs past the data`);
  const record = data.subarray(start, start + size);
  const bodyCrc = record.readInt32BE(8);
  const queueId = record.readInt32BE(12);
  const flag = record.readInt32BE(16);
  const queueOffset = readLong(record, 20);
  const commitLogOffset = readLong(record, 28);
  const sysFlag = record.readInt32BE(36);
  const bornTimestamp = readLong(record, 40);
  const born = host(record, 48, (sysFlag & BORN_HOST_V6) !== 0);
  const storeTimestamp = readLong(record, born.next);
  const stored = host(record, born.next + 8, (sysFlag & STORE_HOST_V6) !== 0);
  let at = stored.next;
  const reconsumeTimes = record.readInt32BE(at);
  at += 4 + 8; // reconsumeTimes, preparedTransactionOffset
  const bodyLength = record.readInt32BE(at);
  at += 4;
  if (bodyLength < 0 || at + bodyLength > size) throw malformed(start, 'body runs past the record');
  let body = Buffer.from(record.subarray(at, at + bodyLength));
  at += bodyLength;
  const topicLength = magic === MAGIC_V2 ? record.readInt16BE(at) : record.readInt8(at);
  at += magic === MAGIC_V2 ? 2 : 1;
  const topic = record.toString('utf8', at, at + topicLength);
  at += topicLength;
  const propertiesLength = record.readInt16BE(at);
  at += 2;
  if (propertiesLength < 0 || at + propertiesLength > size)
    throw malformed(start, 'properties run past the record');
  const properties = decodeProperties(record.toString('utf8', at, at + propertiesLength));
  if ((sysFlag & COMPRESSED) !== 0) {
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
  const offsetBytes = Buffer.alloc(8);
  offsetBytes.writeBigInt64BE(BigInt(commitLogOffset));
  const offsetMsgId = Buffer.concat([stored.bytes, offsetBytes]).toString('hex').toUpperCase();
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
