/**
 * Frames of the remoting protocol (protocol/REMOTING.md 2):
 *
 *   | length:int32 | headerLenAndType:int32 | header (headerLen) | body |
 *
 * length counts what follows it (4 + headerLen + bodyLen). headerLenAndType's high byte is the
 * header's serialize type (0 JSON, 1 ROCKETMQ), its low 3 bytes the header length. Frames in
 * this module are the bytes after the length field.
 *
 * FrameDecoder keeps socket chunks in a list and copies only a frame that spans chunks; a frame
 * inside one chunk is returned as a view of it, and so is a decoded command's body.
 */
import { SerializeType } from './command.ts';
import type { RemotingCommand } from './command.ts';
import { decodeBinaryHeader, encodeBinaryHeader } from './binary-header.ts';
import { RemotingError } from './errors.ts';
import { decodeJsonHeader, encodeJsonHeader } from './json-header.ts';

/** Java's default frameMaxLength (protocol/REMOTING.md 1). */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
const MAX_HEADER_BYTES = 0xffffff;
/** Bodies up to this size are copied into the header's buffer: one write instead of two. */
const INLINE_BODY_BYTES = 4096;

export class FrameDecoder {
  readonly #maxFrameBytes: number;
  #chunks: Buffer[] = [];
  /** Read position inside #chunks[0]. */
  #headOffset = 0;
  /** Unread bytes across #chunks. */
  #bufferedBytes = 0;
  /** Length field of the frame being assembled; -1 until its 4 bytes have arrived. */
  #frameBytes = -1;

  constructor(maxFrameBytes: number) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 4) {
      throw new RangeError(`maxFrameBytes must be an integer >= 4, got ${maxFrameBytes}`);
    }
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.#bufferedBytes + (this.#frameBytes >= 0 ? 4 : 0);
  }

  /** Adds a chunk and returns the frames it completes, in order. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    if (chunk.length === 0) return frames;
    if (this.#bufferedBytes === 0 && this.#frameBytes < 0) {
      this.#pushFast(chunk, frames);
      return frames;
    }
    this.#chunks.push(chunk);
    this.#bufferedBytes += chunk.length;
    this.#drain(frames);
    return frames;
  }

  /** Nothing buffered: slice whole frames straight out of the chunk, keep the tail. */
  #pushFast(chunk: Buffer, frames: Buffer[]): void {
    let position = 0;
    while (chunk.length - position >= 4) {
      const frameBytes = this.#checkLength(chunk.readUInt32BE(position));
      if (chunk.length - position - 4 < frameBytes) break;
      frames.push(chunk.subarray(position + 4, position + 4 + frameBytes));
      position += 4 + frameBytes;
    }
    if (position < chunk.length) {
      this.#chunks.push(chunk);
      this.#headOffset = position;
      this.#bufferedBytes = chunk.length - position;
      this.#drain(frames);
    }
  }

  #drain(frames: Buffer[]): void {
    for (;;) {
      if (this.#frameBytes < 0) {
        if (this.#bufferedBytes < 4) return;
        this.#frameBytes = this.#checkLength(this.#take(4).readUInt32BE(0));
      }
      if (this.#bufferedBytes < this.#frameBytes) return;
      frames.push(this.#take(this.#frameBytes));
      this.#frameBytes = -1;
    }
  }

  #checkLength(frameBytes: number): number {
    if (frameBytes > this.#maxFrameBytes) {
      throw new RemotingError(
        'REMOTING_FRAME_TOO_LARGE',
        `frame length ${frameBytes} exceeds the maximum of ${this.#maxFrameBytes} bytes`,
      );
    }
    if (frameBytes < 4) {
      throw new RemotingError('REMOTING_MALFORMED', `frame length ${frameBytes} is below 4`);
    }
    return frameBytes;
  }

  /** Removes `size` buffered bytes (size <= #bufferedBytes); copies only across chunks. */
  #take(size: number): Buffer {
    const head = this.#chunks[0]!;
    const start = this.#headOffset;
    this.#bufferedBytes -= size;
    if (head.length - start >= size) {
      const view = head.subarray(start, start + size);
      this.#advanceHead(head, start + size);
      return view;
    }
    const out = Buffer.allocUnsafe(size);
    let written = 0;
    let index = 0;
    let offset = start;
    while (written < size) {
      const chunk = this.#chunks[index]!;
      const copied = chunk.copy(
        out,
        written,
        offset,
        Math.min(chunk.length, offset + size - written),
      );
      written += copied;
      offset += copied;
      if (offset === chunk.length) {
        index++;
        offset = 0;
      }
    }
    this.#chunks.splice(0, index);
    this.#headOffset = offset;
    if (this.#chunks.length === 0) this.#headOffset = 0;
    return out;
  }

  #advanceHead(head: Buffer, offset: number): void {
    if (offset === head.length) {
      this.#chunks.shift();
      this.#headOffset = 0;
    } else {
      this.#headOffset = offset;
    }
  }
}

/** Parses one frame (the bytes after the length field). The body is a view of `frame`. */
export function decodeCommand(frame: Buffer): RemotingCommand {
  if (frame.length < 4) {
    throw new RemotingError('REMOTING_MALFORMED', `frame of ${frame.length} bytes has no header`);
  }
  const lengthAndType = frame.readUInt32BE(0);
  const serializeType = lengthAndType >>> 24;
  const headerBytes = lengthAndType & MAX_HEADER_BYTES;
  if (headerBytes > frame.length - 4) {
    throw new RemotingError(
      'REMOTING_MALFORMED',
      `header length ${headerBytes} exceeds the frame's ${frame.length - 4} remaining bytes`,
    );
  }
  const headerEnd = 4 + headerBytes;
  const body = headerEnd < frame.length ? frame.subarray(headerEnd) : undefined;
  if (serializeType === SerializeType.JSON) return decodeJsonHeader(frame, 4, headerEnd, body);
  if (serializeType === SerializeType.ROCKETMQ) {
    return decodeBinaryHeader(frame, 4, headerEnd, body);
  }
  throw new RemotingError('REMOTING_MALFORMED', `unknown serialize type ${serializeType}`);
}

/**
 * The frame for `command` as one or two buffers to write in order: the length prefix and
 * header, with the body copied in when small, else the body itself as the second buffer.
 */
export function encodeFrameParts(command: RemotingCommand): [Buffer] | [Buffer, Buffer] {
  const body = command.body;
  const bodyBytes = body === undefined || body === null ? 0 : body.length;
  const inlineBytes = bodyBytes <= INLINE_BODY_BYTES ? bodyBytes : 0;
  let out: Buffer;
  let headerBytes: number;
  if (command.serializeType === SerializeType.ROCKETMQ) {
    const header = encodeBinaryHeader(command);
    headerBytes = header.length;
    checkHeader(headerBytes);
    out = Buffer.allocUnsafe(8 + headerBytes + inlineBytes);
    header.copy(out, 8);
  } else {
    const text = encodeJsonHeader(command);
    headerBytes = Buffer.byteLength(text);
    checkHeader(headerBytes);
    out = Buffer.allocUnsafe(8 + headerBytes + inlineBytes);
    out.write(text, 8, 'utf8');
  }
  out.writeUInt32BE(4 + headerBytes + bodyBytes, 0);
  // JSON keeps the high byte 0: ali-ons reads the whole word as the header length.
  out.writeUInt32BE(
    command.serializeType === SerializeType.ROCKETMQ ? 0x1000000 | headerBytes : headerBytes,
    4,
  );
  if (inlineBytes > 0) body!.copy(out, 8 + headerBytes);
  if (bodyBytes > inlineBytes) return [out, body!];
  return [out];
}

function checkHeader(headerBytes: number): void {
  if (headerBytes > MAX_HEADER_BYTES) {
    throw new RemotingError('REMOTING_SEND', `header of ${headerBytes} bytes exceeds 16 MiB`);
  }
}

/** The whole frame for `command`, length prefix included, in command.serializeType. */
export function encodeCommand(command: RemotingCommand): Buffer {
  const parts = encodeFrameParts(command);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}
