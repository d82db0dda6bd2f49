/**
 * Batches for SEND_BATCH_MESSAGE. Rules as the Java producer's (protocol/REMOTING.md 13.7): one
 * topic, not a %RETRY% topic, no delay level, one waitStoreMsgOK for all, each message its own
 * UNIQ_KEY, bodies never compressed, the encoded body within maxMessageSize. The body layout is
 * src/protocol/batch-body.ts.
 */
import { InvalidArgumentError, MessageTooLargeError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import {
  baseProperties,
  checkBody,
  checkDelayLevel,
  checkFlag,
  checkPropertiesSize,
  checkTopic,
  checkWait,
} from './outgoing-message.ts';
import { createUniqueId } from '../core/unique-id.ts';
import { batchEntryBytes, encodeBatchBody } from '../../protocol/batch-body.ts';
import type { BatchEntry } from '../../protocol/batch-body.ts';
import { MAX_BATCH_MESSAGES } from '../../protocol/limits.ts';
import { RETRY_GROUP_TOPIC_PREFIX } from '../../protocol/topic-names.ts';
import { MessageProperty } from '../../protocol/property-names.ts';
import { appendProperty } from '../../protocol/properties.ts';

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
  if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX))
    throw new InvalidArgumentError(`messages[0].topic: a batch cannot go to retry topic ${topic}`);
  const wait = checkWait(first, 'messages[0]');
  const parts: BatchEntry[] = [];
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
    totalBytes += batchEntryBytes(part);
    if (totalBytes > maxMessageSize)
      throw new MessageTooLargeError(
        `the batch is over maxMessageSize ${maxMessageSize} bytes by ${field}`,
      );
    parts.push(part);
    uniqKeys.push(uniqKey);
  }
  return {
    topic,
    body: encodeBatchBody(parts, totalBytes),
    headerProperties: appendProperty('', MessageProperty.WAIT, String(wait)),
    uniqKeys,
  };
}
