/**
 * Raw remoting frames for the broker benchmark's load client: requests are encoded once with
 * the real codec (encodeCommand) and reused, and responses are read with a few byte scans
 * instead of a JSON parse, so the client spends as little of the shared CPU as it can.
 */
import { createRequest, encodeCommand, RequestCode } from '../../src/remoting/index.ts';

/** The JSON header starts `{"code":` right after the 8-byte length and header-length words. */
const CODE_DIGITS_AT = 8 + '{"code":'.length;
const OPAQUE_KEY = Buffer.from('"opaque":');
/** Hex digits of a message's UNIQ_KEY that the client rewrites per message. */
export const UNIQ_COUNTER_DIGITS = 8;
const UNIQ_KEY_DIGITS = 32;
/** The UNIQ_KEY as encoded (the header's JSON escapes the \u0001 before it, not the digits). */
const UNIQ_TEMPLATE = '7F000001' + '0'.repeat(UNIQ_KEY_DIGITS - 8);

export interface SendFrameOptions {
  topic: string;
  queueId: number;
  opaque: number;
  body: Buffer;
  producerGroup?: string;
  /** Added to the properties as is, e.g. `DELAY\u00015` (name \u0001 value, \u0002 between). */
  extraProperties?: string;
}

/** A SEND_MESSAGE_V2 frame as a RocketMQ producer sends it (protocol/REMOTING.md 11.1). */
export function sendFrame(options: SendFrameOptions): Buffer {
  const request = createRequest(
    RequestCode.SEND_MESSAGE_V2,
    {
      a: options.producerGroup ?? 'bench_producer',
      b: options.topic,
      c: 'TBW102',
      d: '8',
      e: String(options.queueId),
      f: '0',
      g: String(Date.now()),
      h: '0',
      i:
        `TAGS\u0001A\u0002KEYS\u0001k\u0002UNIQ_KEY\u0001${UNIQ_TEMPLATE}\u0002WAIT\u0001true` +
        (options.extraProperties ? `\u0002${options.extraProperties}` : ''),
      j: '0',
      k: 'false',
    },
    options.body,
  );
  request.opaque = options.opaque;
  return encodeCommand(request);
}

/** Byte offset of the last UNIQ_COUNTER_DIGITS hex digits of the frame's UNIQ_KEY. */
export function uniqCounterOffset(frame: Buffer): number {
  const at = frame.indexOf(UNIQ_TEMPLATE, 8, 'latin1');
  if (at < 0) throw new Error('frame has no UNIQ_KEY');
  return at + UNIQ_KEY_DIGITS - UNIQ_COUNTER_DIGITS;
}

const HEX = Buffer.from('0123456789ABCDEF');
/** Writes value as UNIQ_COUNTER_DIGITS upper-case hex digits at offset (same length always). */
export function writeHexCounter(frame: Buffer, offset: number, value: number): void {
  let rest = value >>> 0;
  for (let i = UNIQ_COUNTER_DIGITS - 1; i >= 0; i--) {
    frame[offset + i] = HEX[rest & 15]!;
    rest >>>= 4;
  }
}

export interface PullFrameOptions {
  topic: string;
  consumerGroup: string;
  queueId: number;
  queueOffset: number;
  maxMsgNums: number;
  opaque: number;
}

/** PULL_MESSAGE (11) with the subscription in the request and no long polling. */
export function pullFrame(options: PullFrameOptions): Buffer {
  const request = createRequest(RequestCode.PULL_MESSAGE, {
    consumerGroup: options.consumerGroup,
    topic: options.topic,
    queueId: String(options.queueId),
    queueOffset: String(options.queueOffset),
    maxMsgNums: String(options.maxMsgNums),
    sysFlag: '4',
    commitOffset: '0',
    suspendTimeoutMillis: '0',
    subscription: '*',
    subVersion: '0',
  });
  request.opaque = options.opaque;
  return encodeCommand(request);
}

/** Splits a byte stream into whole frames (length prefix included). */
export class FrameSplitter {
  #rest: Buffer | undefined;
  readonly #maxFrameBytes: number;

  constructor(maxFrameBytes = 16 * 1024 * 1024) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Calls onFrame(buffer, start, end) for each complete frame; end - start includes the prefix. */
  push(chunk: Buffer, onFrame: (buffer: Buffer, start: number, end: number) => void): void {
    let buffer = chunk;
    if (this.#rest !== undefined) {
      buffer = Buffer.concat([this.#rest, chunk]);
      this.#rest = undefined;
    }
    let position = 0;
    while (buffer.length - position >= 4) {
      const length = buffer.readUInt32BE(position);
      if (length < 4 || length > this.#maxFrameBytes)
        throw new Error(`bad frame length ${length} at stream position ${position}`);
      const end = position + 4 + length;
      if (end > buffer.length) break;
      onFrame(buffer, position, end);
      position = end;
    }
    if (position < buffer.length) this.#rest = buffer.subarray(position);
  }
}

function readDigits(buffer: Buffer, at: number, end: number): number {
  let negative = false;
  if (buffer[at] === 45) {
    negative = true;
    at++;
  }
  let value = 0;
  for (; at < end; at++) {
    const c = buffer[at]!;
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
  }
  return negative ? -value : value;
}

/** The header's end offset in buffer for a frame starting at start. */
export function headerEnd(buffer: Buffer, start: number): number {
  return start + 8 + (buffer.readUInt32BE(start + 4) & 0xffffff);
}

/** The response code of a JSON-header frame starting at start. */
export function frameCode(buffer: Buffer, start: number): number {
  return readDigits(buffer, start + CODE_DIGITS_AT, headerEnd(buffer, start));
}

/** The opaque of a JSON-header frame starting at start; -1 when it has none. */
export function frameOpaque(buffer: Buffer, start: number): number {
  const end = headerEnd(buffer, start);
  const at = buffer.indexOf(OPAQUE_KEY, start + 8);
  if (at < 0 || at >= end) return -1;
  return readDigits(buffer, at + OPAQUE_KEY.length, end);
}

/** The whole JSON header, parsed (for the rarer pull responses). */
export function frameHeader(buffer: Buffer, start: number): Record<string, unknown> {
  return JSON.parse(buffer.toString('utf8', start + 8, headerEnd(buffer, start))) as Record<
    string,
    unknown
  >;
}

/** Counts stored records in a pull body by walking each record's leading totalSize. */
export function countStoredRecords(buffer: Buffer, start: number, end: number): number {
  let count = 0;
  let at = start;
  while (at + 4 <= end) {
    const size = buffer.readInt32BE(at);
    if (size <= 0 || at + size > end) throw new Error(`bad stored record size ${size} at ${at}`);
    at += size;
    count++;
  }
  if (at !== end) throw new Error(`pull body has ${end - at} trailing bytes`);
  return count;
}
