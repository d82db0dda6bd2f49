/**
 * The replication wire between a master's and a slave's coordinators, one TCP connection per
 * store shard. It opens with a handshake of one length-prefixed JSON message each way (which
 * shard, where the slave's log ends, its epochs; where streaming starts and what the slave must
 * cut), then carries RocketMQ's HA frames (protocol/STORE.md 10): the slave reports its
 * commit-log end as an 8-byte long; the master sends a 12-byte header (start offset, length)
 * followed by that many commit-log bytes, length 0 being a heartbeat.
 */

export const HA_PROTOCOL = 'thrustmq-ha';
export const HA_PROTOCOL_VERSION = 1;
export const DATA_HEADER_BYTES = 12;
export const REPORT_BYTES = 8;
/** A handshake longer than this is not one: the epochs list is short. */
export const MAX_HANDSHAKE_BYTES = 256 * 1024;
/** Frames a master sends are at most haTransferBatchSize; a slave refuses anything past this. */
export const MAX_DATA_FRAME_BYTES = 16 * 1024 * 1024;

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export interface SlaveHello {
  protocol: typeof HA_PROTOCOL;
  version: number;
  clusterName: string;
  brokerName: string;
  brokerId: number;
  /** The slave's client address (ip:listenPort), for haStatus and the reverse sync. */
  slaveAddr: string;
  shard: number;
  shards: number;
  segmentSizeBytes: number;
  /** The slave's commit-log end for this shard. */
  end: number;
  epochs: EpochEntry[];
}

export type MasterWelcome =
  | {
      ok: true;
      /** Where the master's data frames begin. */
      startOffset: number;
      /** The slave cuts its log here first (its tail was never the master's). */
      truncateTo?: number;
      masterEpoch: number;
      epochs: EpochEntry[];
    }
  | { ok: false; code: string; message: string };

export function encodeHandshake(message: SlaveHello | MasterWelcome): Buffer {
  const json = Buffer.from(JSON.stringify(message));
  const frame = Buffer.allocUnsafe(4 + json.length);
  frame.writeUInt32BE(json.length, 0);
  json.copy(frame, 4);
  return frame;
}

export function encodeDataHeader(offset: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(DATA_HEADER_BYTES);
  header.writeBigInt64BE(BigInt(offset), 0);
  header.writeInt32BE(length, 8);
  return header;
}

export function encodeReport(offset: number): Buffer {
  const report = Buffer.allocUnsafe(REPORT_BYTES);
  report.writeBigInt64BE(BigInt(offset), 0);
  return report;
}

export class HaProtocolError extends Error {
  override readonly name = 'HaProtocolError';
}

/**
 * Accumulates a socket's bytes and cuts them into the handshake and then fixed-layout frames.
 * Holds at most one frame's bytes beyond what was consumed.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The next `count` bytes as one buffer (a view when they lie in one chunk). */
  take(count: number): Buffer {
    if (count > this.length) throw new RangeError(`take ${count} of ${this.length}`);
    this.length -= count;
    const first = this.chunks[0]!;
    if (first.length >= count) {
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      return first.subarray(0, count);
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0]!;
      const used = Math.min(chunk.length, count - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (used === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    return out;
  }

  peekUInt32(): number {
    return this.length < 4 ? -1 : this.peek(4).readUInt32BE(0);
  }

  peek(count: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= count) return first.subarray(0, count);
    const bytes = this.take(count);
    this.chunks.unshift(bytes);
    this.length += count;
    return bytes;
  }
}

/** The handshake message at the head of the queue, once all of it arrived. */
export function takeHandshake(queue: ByteQueue): unknown {
  const length = queue.peekUInt32();
  if (length < 0) return undefined;
  if (length > MAX_HANDSHAKE_BYTES)
    throw new HaProtocolError(`handshake of ${length} bytes (at most ${MAX_HANDSHAKE_BYTES})`);
  if (queue.length < 4 + length) return undefined;
  queue.take(4);
  const text = queue.take(length).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HaProtocolError('handshake is not JSON');
  }
}

const isInt = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function checkEpochs(value: unknown): EpochEntry[] {
  if (!Array.isArray(value) || value.length > 10_000)
    throw new HaProtocolError('epochs: an array of at most 10000 entries');
  return value.map((entry: unknown) => {
    const { epoch, startOffset } = (entry ?? {}) as Record<string, unknown>;
    if (!isInt(epoch) || !isInt(startOffset))
      throw new HaProtocolError('epochs: entries of { epoch, startOffset } integers');
    return { epoch, startOffset };
  });
}

/** A slave's hello, checked field by field: the first bad field is named. */
export function parseSlaveHello(value: unknown): SlaveHello {
  const hello = (value ?? {}) as Record<string, unknown>;
  if (hello['protocol'] !== HA_PROTOCOL) throw new HaProtocolError(`protocol: not ${HA_PROTOCOL}`);
  if (hello['version'] !== HA_PROTOCOL_VERSION)
    throw new HaProtocolError(`version: ${String(hello['version'])}, this master speaks 1`);
  for (const key of ['clusterName', 'brokerName', 'slaveAddr'])
    if (typeof hello[key] !== 'string' || (hello[key] as string).length > 255)
      throw new HaProtocolError(`${key}: a string of at most 255 characters`);
  for (const key of ['brokerId', 'shard', 'shards', 'segmentSizeBytes', 'end'])
    if (!isInt(hello[key])) throw new HaProtocolError(`${key}: a non-negative integer`);
  return { ...(hello as unknown as SlaveHello), epochs: checkEpochs(hello['epochs']) };
}

export function parseWelcome(value: unknown): MasterWelcome {
  const welcome = (value ?? {}) as Record<string, unknown>;
  if (welcome['ok'] === false)
    return { ok: false, code: String(welcome['code']), message: String(welcome['message']) };
  if (welcome['ok'] !== true) throw new HaProtocolError('welcome: ok is neither true nor false');
  if (!isInt(welcome['startOffset']) || !isInt(welcome['masterEpoch']))
    throw new HaProtocolError('welcome: startOffset and masterEpoch must be integers');
  const truncateTo = welcome['truncateTo'];
  if (truncateTo !== undefined && !isInt(truncateTo))
    throw new HaProtocolError('welcome: truncateTo must be an integer');
  return {
    ok: true,
    startOffset: welcome['startOffset'],
    masterEpoch: welcome['masterEpoch'],
    epochs: checkEpochs(welcome['epochs']),
    ...(truncateTo === undefined ? {} : { truncateTo }),
  };
}
