/**
 * Encodes messages into the stored layout (src/protocol/message-record.ts) straight into the commit
 * log's write buffer: one pass, no intermediate objects. Topic bytes and the store host are
 * prepared once and reused.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { StoreError, StoreErrorCode } from '../errors.ts';
import { MAX_PROPERTIES_BYTES, MAX_TOPIC_LENGTH } from '../../src/protocol/limits.ts';
import { SysFlag, encodeRecord, recordBytes } from '../../src/protocol/message-record.ts';
import type { RecordContent } from '../../src/protocol/message-record.ts';
import { NAME_PATTERN } from '../../src/protocol/topic-names.ts';
import type { HostAddress } from '../options.ts';
import type { MessageInput } from '../types.ts';

const TOPIC_CACHE_LIMIT = 10_000;

/** A host as stored: 4- or 16-byte address then a 4-byte port. */
export function encodeHost(host: HostAddress): Buffer {
  if (isIPv4(host.address)) {
    const bytes = Buffer.alloc(8);
    host.address.split('.').forEach((part, i) => bytes.writeUInt8(Number(part), i));
    bytes.writeInt32BE(host.port, 4);
    return bytes;
  }
  if (isIPv6(host.address)) {
    const bytes = Buffer.alloc(20);
    const [head = '', tail = ''] = host.address.split('::');
    const headParts = head ? head.split(':') : [];
    const tailParts = tail ? tail.split(':') : [];
    const groups = [
      ...headParts,
      ...new Array<string>(8 - headParts.length - tailParts.length).fill('0'),
      ...tailParts,
    ];
    groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
    bytes.writeInt32BE(host.port, 16);
    return bytes;
  }
  throw new StoreError(
    StoreErrorCode.MESSAGE_ILLEGAL,
    `host address ${JSON.stringify(host.address)} is not an IP address`,
  );
}

/** A message checked against the store's limits, with its encoded size. */
export interface PreparedMessage extends RecordContent {
  input: MessageInput;
}

const NO_HOST = Buffer.alloc(8);

export class RecordEncoder {
  private readonly storeHost: Buffer;
  private readonly topics = new Map<string, Buffer>();
  /** Callers' topic byte strings already checked against their names. */
  private readonly checkedTopicBytes = new WeakMap<Uint8Array, string>();
  private readonly hosts = new Map<string, Buffer>();
  private readonly maxBodyBytes: number;
  private lastHost: HostAddress | undefined;
  private lastHostBytes: Buffer = NO_HOST;

  constructor(storeHost: HostAddress, maxBodyBytes: number) {
    this.storeHost = encodeHost(storeHost);
    this.maxBodyBytes = maxBodyBytes;
  }

  topicBytes(topic: string): Buffer {
    let bytes = this.topics.get(topic);
    if (!bytes) {
      if (!NAME_PATTERN.test(topic)) {
        throw new StoreError(
          StoreErrorCode.MESSAGE_ILLEGAL,
          `topic ${JSON.stringify(topic)} may only contain letters, digits, %, |, _ and -`,
        );
      }
      bytes = Buffer.from(topic, 'utf8');
      if (bytes.length > MAX_TOPIC_LENGTH) {
        throw new StoreError(
          StoreErrorCode.MESSAGE_ILLEGAL,
          `topic is ${bytes.length} bytes, at most ${MAX_TOPIC_LENGTH}`,
        );
      }
      if (this.topics.size >= TOPIC_CACHE_LIMIT) this.topics.clear();
      this.topics.set(topic, bytes);
    }
    return bytes;
  }

  /** The caller's bytes for topic, checked once per byte string. */
  private givenTopicBytes(topic: string, given: Uint8Array): Uint8Array {
    if (this.checkedTopicBytes.get(given) === topic) return given;
    const bytes = this.topicBytes(topic);
    if (!bytes.equals(given)) {
      throw new StoreError(
        StoreErrorCode.MESSAGE_ILLEGAL,
        `topicBytes are not the UTF-8 bytes of topic ${JSON.stringify(topic)}`,
      );
    }
    this.checkedTopicBytes.set(given, topic);
    return given;
  }

  private hostBytes(host: HostAddress | undefined): Buffer {
    if (!host) return NO_HOST;
    // Consecutive messages mostly come from one connection: skip the key string for them.
    if (host.address === this.lastHost?.address && host.port === this.lastHost.port) {
      return this.lastHostBytes;
    }
    const key = `${host.address}:${host.port}`;
    let bytes = this.hosts.get(key);
    if (!bytes) {
      bytes = encodeHost(host);
      if (this.hosts.size >= TOPIC_CACHE_LIMIT) this.hosts.clear();
      this.hosts.set(key, bytes);
    }
    this.lastHost = host;
    this.lastHostBytes = bytes;
    return bytes;
  }

  /** Validates one message; throws StoreError naming the field that breaks a limit. */
  prepare(input: MessageInput, index: number): PreparedMessage {
    const where = `message ${index}`;
    if (!Number.isInteger(input.queueId) || input.queueId < 0 || input.queueId > 65535) {
      throw new StoreError(
        StoreErrorCode.MESSAGE_ILLEGAL,
        `${where}: queueId ${input.queueId} must be an integer in [0, 65535]`,
      );
    }
    if (!(input.body instanceof Uint8Array)) {
      throw new StoreError(StoreErrorCode.MESSAGE_ILLEGAL, `${where}: body must be a Uint8Array`);
    }
    if (input.body.length > this.maxBodyBytes) {
      throw new StoreError(
        StoreErrorCode.MESSAGE_ILLEGAL,
        `${where}: body is ${input.body.length} bytes, more than maxMessageSizeBytes ${this.maxBodyBytes}`,
      );
    }
    const topicBytes =
      input.topicBytes === undefined
        ? this.topicBytes(input.topic)
        : this.givenTopicBytes(input.topic, input.topicBytes);
    const properties = input.properties;
    const propertiesBytes =
      properties === undefined
        ? 0
        : typeof properties === 'string'
          ? Buffer.byteLength(properties)
          : properties.length;
    if (propertiesBytes > MAX_PROPERTIES_BYTES) {
      throw new StoreError(
        StoreErrorCode.MESSAGE_ILLEGAL,
        `${where}: properties are ${propertiesBytes} bytes, at most ${MAX_PROPERTIES_BYTES}`,
      );
    }
    const given = input.bornHostBytes;
    if (given !== undefined && given.length !== 8 && given.length !== 20) {
      throw new StoreError(
        StoreErrorCode.MESSAGE_ILLEGAL,
        `${where}: bornHostBytes are ${given.length} bytes, not 8 (IPv4) or 20 (IPv6)`,
      );
    }
    const bornHost = given ?? this.hostBytes(input.bornHost);
    let sysFlag = (input.sysFlag ?? 0) & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6);
    if (bornHost.length === 20) sysFlag |= SysFlag.BORNHOST_V6;
    if (this.storeHost.length === 20) sysFlag |= SysFlag.STOREHOST_V6;
    return {
      input,
      topicBytes,
      propertiesBytes,
      bornHost,
      sysFlag,
      recordBytes: recordBytes(input.body.length, topicBytes.length, propertiesBytes, sysFlag),
    };
  }

  /**
   * Writes the record at buffer[position]. Returns the position where its properties start, so
   * dispatch can scan them in place.
   */
  encode(
    buffer: Buffer,
    view: DataView,
    position: number,
    message: PreparedMessage,
    queueOffset: number,
    physicalOffset: number,
    storeTimestamp: number,
  ): number {
    return encodeRecord(
      buffer,
      view,
      position,
      message,
      this.storeHost,
      queueOffset,
      physicalOffset,
      storeTimestamp,
    );
  }
}
