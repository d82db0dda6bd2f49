/**
 * Batches for SEND_BATCH_MESSAGE. Rules as the Java producer's (protocol/REMOTING.md 13.7): one
 * topic, not a %RETRY% topic, no delay level, one waitStoreMsgOK for all, each message its own
 * UNIQ_KEY, bodies never compressed, the encoded body within maxMessageSize. Body layout, per
 * message:
 *
 *   | totalSize:i32 | magic:i32 = 0 | bodyCRC:i32 = 0 | flag:i32 | bodyLength:i32 | body |
 *   | propertiesLength:i16 | properties |
 *
 * totalSize counts the whole record (22 + body + properties bytes).
 */
import { InvalidArgumentError, MessageTooLargeError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import { MessageProperty } from '../core/message.ts';
import {
  appendProperty,
  baseProperties,
  checkBody,
  checkDelayLevel,
  checkFlag,
  checkPropertiesSize,
  checkTopic,
  checkWait,
} from './outgoing-message.ts';
import { createUniqueId } from '../core/unique-id.ts';

export interface EncodedBatch {
  topic: string;
  body: Buffer;
  /**
   * Batch-level properties for the request header: WAIT, always, as the Java client's
   * MessageBatch carries it (brokers append these to every message of the batch).
   */
  headerProperties: string;
  uniqKeys: string[];
}

/** The broker refuses batches of more messages than this. */
export const MAX_BATCH_MESSAGES = 65_535;
const RECORD_FIXED_BYTES = 22;
const RETRY_TOPIC_PREFIX = '%RETRY%';

interface Part {
  flag: number;
  body: Buffer;
  properties: Buffer;
}

export function encodeBatch(messages: readonly Message[], maxMessageSize: number): EncodedBatch {
  if (!Array.isArray(messages) || messages.length === 0)
    throw new InvalidArgumentError('messages must be a non-empty array');
  if (messages.length > MAX_BATCH_MESSAGES)
    throw new InvalidArgumentError(
      `a batch holds at most ${MAX_BATCH_MESSAGES} messages, got ${messages.length}`,
    );
  const first = messages[0]!;
  if (typeof first !== 'object' || first === null)
    throw new InvalidArgumentError('messages[0] is not a message');
  const topic = checkTopic(first.topic, 'messages[0].topic');
  if (topic.startsWith(RETRY_TOPIC_PREFIX))
    throw new InvalidArgumentError(`messages[0].topic: a batch cannot go to retry topic ${topic}`);
  const wait = checkWait(first, 'messages[0]');
  const parts: Part[] = [];
  const uniqKeys: string[] = [];
  let totalBytes = 0;
  for (let i = 0; i < messages.length; i++) {
    const field = `messages[${i}]`;
    const message = messages[i]!;
    if (typeof message !== 'object' || message === null)
      throw new InvalidArgumentError(`${field} is not a message`);
    if (message.topic !== topic)
      throw new InvalidArgumentError(
        `${field}.topic ${JSON.stringify(message.topic)}: every message of a batch goes to ${topic}`,
      );
    if (checkDelayLevel(message, field) > 0)
      throw new InvalidArgumentError(`${field}.delayLevel: batches do not support delay`);
    if (message.deliverAt !== undefined)
      throw new InvalidArgumentError(`${field}.deliverAt: batches do not support delivery times`);
    if (checkWait(message, field) !== wait)
      throw new InvalidArgumentError(
        `${field}.waitStoreMsgOK: every message of a batch needs the same value`,
      );
    const body = checkBody(message, field, maxMessageSize);
    const uniqKey = createUniqueId();
    const properties = appendProperty(
      baseProperties(message, field),
      MessageProperty.UNIQ_KEY,
      uniqKey,
    );
    checkPropertiesSize(properties, field);
    const part = { flag: checkFlag(message, field), body, properties: Buffer.from(properties) };
    totalBytes += RECORD_FIXED_BYTES + body.length + part.properties.length;
    if (totalBytes > maxMessageSize)
      throw new MessageTooLargeError(
        `the batch is over maxMessageSize ${maxMessageSize} bytes by ${field}`,
      );
    parts.push(part);
    uniqKeys.push(uniqKey);
  }
  return {
    topic,
    body: writeBatchBody(parts, totalBytes),
    headerProperties: `${MessageProperty.WAIT}\u0001${wait}`,
    uniqKeys,
  };
}

function writeBatchBody(parts: readonly Part[], totalBytes: number): Buffer {
  const out = Buffer.allocUnsafe(totalBytes);
  let at = 0;
  for (const part of parts) {
    const size = RECORD_FIXED_BYTES + part.body.length + part.properties.length;
    out.writeInt32BE(size, at);
    out.writeInt32BE(0, at + 4);
    out.writeInt32BE(0, at + 8);
    out.writeInt32BE(part.flag, at + 12);
    out.writeInt32BE(part.body.length, at + 16);
    part.body.copy(out, at + 20);
    at += 20 + part.body.length;
    out.writeInt16BE(part.properties.length, at);
    part.properties.copy(out, at + 2);
    at += 2 + part.properties.length;
  }
  return out;
}
