/**
 * Checks a message the way the Java producer does before anything is sent, then turns it into
 * what goes on the wire: body bytes (zlib-deflated past a size, sysFlag bit 0x1), the flag and
 * the encoded property string (protocol/REMOTING.md 13.2-13.4) with a fresh UNIQ_KEY.
 */
import { deflate } from 'node:zlib';
import { InvalidArgumentError, MessageTooLargeError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import { bodyBytes, keysOf } from '../core/message.ts';
import { createUniqueId } from '../core/unique-id.ts';
import { MAX_PROPERTIES_BYTES, MAX_TOPIC_LENGTH } from '../../protocol/limits.ts';
import { SysFlag } from '../../protocol/message-record.ts';
import { appendProperty, hasPropertySeparator } from '../../protocol/properties.ts';
import { MessageProperty, SYSTEM_PROPERTY_NAMES } from '../../protocol/property-names.ts';
import { NOT_ALLOWED_SEND_TOPICS, NAME_PATTERN } from '../../protocol/topic-names.ts';

export interface OutgoingMessage {
  topic: string;
  body: Buffer;
  sysFlag: number;
  flag: number;
  /** Encoded properties (name \u0001 value, joined by \u0002). */
  properties: string;
  uniqKey: string;
}

export interface EncodeOptions {
  maxMessageSize: number;
  /** Undefined: never compress (batches). */
  compressOverBytes?: number;
  compressLevel?: number;
}

/** Topics the Java client refuses to send to: broker-internal ones. */
const FORBIDDEN_TOPICS: ReadonlySet<string> = new Set(NOT_ALLOWED_SEND_TOPICS);

/** Topics already checked: the check is a regex, and a producer sends to a few topics. */
const checkedTopics = new Set<string>();

export function checkTopic(topic: unknown, field = 'message.topic'): string {
  if (typeof topic === 'string' && checkedTopics.has(topic)) return topic;
  const checked = checkTopicOnce(topic, field);
  if (checkedTopics.size < 10_000) checkedTopics.add(checked);
  return checked;
}

function checkTopicOnce(topic: unknown, field: string): string {
  if (typeof topic !== 'string' || topic.length === 0)
    throw new InvalidArgumentError(`${field} is required`);
  if (!NAME_PATTERN.test(topic))
    throw new InvalidArgumentError(
      `${field} ${JSON.stringify(topic)} contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`,
    );
  if (topic.length > MAX_TOPIC_LENGTH)
    throw new InvalidArgumentError(
      `${field} is longer than ${MAX_TOPIC_LENGTH} characters (${topic.length})`,
    );
  if (FORBIDDEN_TOPICS.has(topic))
    throw new InvalidArgumentError(`${field}: sending to system topic ${topic} is forbidden`);
  return topic;
}

function checkText(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(`${field} must be a string`);
  if (hasPropertySeparator(value))
    throw new InvalidArgumentError(`${field} must not contain \\u0001 or \\u0002`);
  return value;
}

/** The body bytes, checked non-empty and within maxMessageSize. */
export function checkBody(message: Message, field: string, maxMessageSize: number): Buffer {
  const raw = message.body as unknown;
  if (typeof raw !== 'string' && !(raw instanceof Uint8Array))
    throw new InvalidArgumentError(`${field}.body must be a Buffer, Uint8Array or string`);
  const body = bodyBytes(raw);
  if (body.length === 0) throw new InvalidArgumentError(`${field}.body is empty`);
  if (body.length > maxMessageSize)
    throw new MessageTooLargeError(
      `${field}.body is ${body.length} bytes, over maxMessageSize ${maxMessageSize}`,
    );
  return body;
}

/**
 * The property string of a message without WAIT, DELAY and UNIQ_KEY: TAGS, KEYS and the user
 * properties, each checked.
 */
export function baseProperties(message: Message, field: string): string {
  let text = '';
  if (message.tags !== undefined) {
    const tags = checkText(`${field}.tags`, message.tags);
    if (tags.length > 0) text = appendProperty(text, MessageProperty.TAGS, tags);
  }
  if (message.keys !== undefined) {
    const list = typeof message.keys === 'string' ? [message.keys] : message.keys;
    if (!Array.isArray(list)) throw new InvalidArgumentError(`${field}.keys must be string(s)`);
    for (const key of list) checkText(`${field}.keys`, key);
    const keys = keysOf(message.keys).join(' ');
    if (keys.length > 0) text = appendProperty(text, MessageProperty.KEYS, keys);
  }
  const user = message.properties;
  if (user !== undefined) {
    if (typeof user !== 'object' || user === null)
      throw new InvalidArgumentError(`${field}.properties must be an object of strings`);
    for (const name of Object.keys(user)) {
      const where = `${field}.properties[${JSON.stringify(name)}]`;
      if (name.length === 0 || hasPropertySeparator(name))
        throw new InvalidArgumentError(`${where}: a property name must be non-empty text`);
      if (SYSTEM_PROPERTY_NAMES.has(name))
        throw new InvalidArgumentError(`${where}: ${name} is used by the system`);
      const value = checkText(where, user[name]);
      if (value.length === 0) throw new InvalidArgumentError(`${where} is empty`);
      text = appendProperty(text, name, value);
    }
  }
  return text;
}

function checkInt32(field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 2 ** 31 - 1)
    throw new InvalidArgumentError(`${field} must be an integer from ${min} to 2147483647`);
  return value;
}

export function checkFlag(message: Message, field: string): number {
  return message.flag === undefined ? 0 : checkInt32(`${field}.flag`, message.flag, -(2 ** 31));
}

export function checkDelayLevel(message: Message, field: string): number {
  return message.delayLevel === undefined
    ? 0
    : checkInt32(`${field}.delayLevel`, message.delayLevel, 0);
}

/** The delivery time in ms since the epoch, or undefined when the message has none. */
export function checkDeliverAt(message: Message, field: string): number | undefined {
  const at = message.deliverAt;
  if (at === undefined) return undefined;
  const ms = at instanceof Date ? at.getTime() : at;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0)
    throw new InvalidArgumentError(
      `${field}.deliverAt must be a Date or a whole number of ms since the epoch`,
    );
  if (message.delayLevel !== undefined && message.delayLevel > 0)
    throw new InvalidArgumentError(`${field}.deliverAt and ${field}.delayLevel exclude each other`);
  return ms;
}

export function checkWait(message: Message, field: string): boolean {
  const wait = message.waitStoreMsgOK;
  if (wait !== undefined && typeof wait !== 'boolean')
    throw new InvalidArgumentError(`${field}.waitStoreMsgOK must be a boolean`);
  return wait !== false;
}

export function checkPropertiesSize(properties: string, field: string): void {
  const bytes = Buffer.byteLength(properties);
  if (bytes > MAX_PROPERTIES_BYTES)
    throw new MessageTooLargeError(
      `${field}: encoded properties are ${bytes} bytes, over ${MAX_PROPERTIES_BYTES}`,
    );
}

function deflated(body: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    deflate(body, { level }, (error, out) => (error ? reject(error) : resolve(out))),
  );
}

/** Checks message synchronously (so bad input fails before any I/O), then compresses. */
export function checkMessage(
  message: Message,
  options: EncodeOptions,
): { topic: string; body: Buffer; flag: number; properties: string; uniqKey: string } {
  if (typeof message !== 'object' || message === null)
    throw new InvalidArgumentError('message is required');
  const topic = checkTopic(message.topic);
  const body = checkBody(message, 'message', options.maxMessageSize);
  const flag = checkFlag(message, 'message');
  const delayLevel = checkDelayLevel(message, 'message');
  let properties = baseProperties(message, 'message');
  if (delayLevel > 0)
    properties = appendProperty(properties, MessageProperty.DELAY, `${delayLevel}`);
  const deliverAt = checkDeliverAt(message, 'message');
  if (deliverAt !== undefined)
    properties = appendProperty(properties, MessageProperty.TIMER_DELIVER_MS, `${deliverAt}`);
  if (!checkWait(message, 'message'))
    properties = appendProperty(properties, MessageProperty.WAIT, 'false');
  const uniqKey = createUniqueId();
  properties = appendProperty(properties, MessageProperty.UNIQ_KEY, uniqKey);
  checkPropertiesSize(properties, 'message');
  return { topic, body, flag, properties, uniqKey };
}

/** Synchronous unless the body is compressed: most sends skip a promise and a microtask. */
export function encodeMessage(
  message: Message,
  options: EncodeOptions,
): OutgoingMessage | Promise<OutgoingMessage> {
  const checked = checkMessage(message, options);
  const body = checked.body;
  if (options.compressOverBytes === undefined || body.length <= options.compressOverBytes) {
    return { ...checked, sysFlag: 0 };
  }
  return deflated(body, options.compressLevel ?? 5).then((compressed) =>
    compressed.length < body.length
      ? { ...checked, body: compressed, sysFlag: SysFlag.COMPRESSED }
      : { ...checked, sysFlag: 0 },
  );
}
