/**
 * A queue actor: runs in a worker thread, owns store shards, and serves the coordinator's
 * request ring. Each drain takes up to MAX_DRAIN_RECORDS records, appends every send to its
 * shard (encoding happens once, in the store), writes each touched shard once, then answers
 * through the response ring: ASYNC_FLUSH sends at once, SYNC_FLUSH sends when the group
 * commit that covers them returns. Arrival events tell the coordinator which queues grew, for
 * long polling.
 *
 * An I/O error fails the requests it touched, never the loop: an append the store refuses (a
 * full disk) is answered at once, a write-out that fails after the appends fails every send of
 * that drain on that shard (none was answered yet), and a read that throws answers its pull
 * with "retry". The loop goes on serving whatever the store can still do, pulls included.
 */
import type { Logger } from 'pino';
import type {
  GetMessagesResult,
  MessageInput,
  MessageStore,
} from '../../../native-free-store/index.ts';
import { StoreError, StoreErrorCode } from '../../../native-free-store/index.ts';
import type { RingReader, RingWriter } from '../../ring/index.ts';
import {
  ARRIVAL_HEADER_BYTES,
  bufferOf,
  PULL_RESULT_HEADER_BYTES,
  PULL_STATUSES,
  readTopic,
  RequestType,
  ResponseType,
  SEND_ACK_HEADER_BYTES,
  SEND_HEADER_BYTES,
  SEND_MESSAGE_HEADER_BYTES,
  SendStatus,
} from './ring-records.ts';

const MAX_DRAIN_RECORDS = 256;

type Fill = (bytes: Uint8Array, view: DataView, offset: number) => void;
interface Outgoing {
  size: number;
  fill: Fill;
}
/** A send appended in this drain and answered once its shard's write-out is known. */
interface AppendedSend {
  requestId: number;
  firstQueueOffset: number;
  physicalOffsets: readonly number[];
}
interface Arrival {
  shard: number;
  topic: string;
  queueId: number;
  store: MessageStore;
}

export class QueueActor {
  private readonly stores: ReadonlyMap<number, MessageStore>;
  private readonly reader: RingReader;
  private readonly writer: RingWriter;
  private readonly logger: Logger;
  private readonly outbox: Outgoing[] = [];
  private stopped = false;
  private drainingOutbox = false;
  private running: Promise<void> | undefined;
  /** Stores appended to in this drain, with the sends waiting for their write-out. */
  private readonly touched = new Map<MessageStore, AppendedSend[]>();
  private readonly arrivals = new Map<string, Arrival>();

  constructor(
    stores: ReadonlyMap<number, MessageStore>,
    reader: RingReader,
    writer: RingWriter,
    logger: Logger,
  ) {
    this.stores = stores;
    this.reader = reader;
    this.writer = writer;
    this.logger = logger;
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Stops taking requests; in-flight durability waits still answer. */
  stop(): void {
    this.stopped = true;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.outbox.length > 0) {
          await this.flushOutbox();
          continue;
        }
        if (!this.reader.hasData()) await this.reader.waitForData();
        if (this.stopped) break;
        this.drainOnce();
      } catch (error) {
        // Each request handles its own errors; this is a bug or the ring itself. Log it and go
        // on, paced by the yield below so a persistent fault cannot spin.
        this.logger.error({ err: error }, 'queue actor drain failed; continuing');
      }
      // Let fdatasync completions, timers and control calls run between drains.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private drainOnce(): void {
    this.reader.drain(MAX_DRAIN_RECORDS, (bytes, view, offset, length) => {
      const type = view.getUint8(offset);
      try {
        if (type === RequestType.SEND) this.handleSend(bufferOf(bytes), view, offset, length);
        else if (type === RequestType.PULL) this.handlePull(bufferOf(bytes), view, offset);
        else this.logger.error({ type }, 'unknown ring record type; skipped');
      } catch (error) {
        this.answerFailed(type, view, offset, error);
      }
    });
    for (const [store, sends] of this.touched) this.finishWrites(store, sends);
    this.touched.clear();
    for (const arrival of this.arrivals.values()) this.queueArrival(arrival);
    this.arrivals.clear();
    this.flushOutboxNow();
  }

  private handleSend(buffer: Buffer, view: DataView, offset: number, length: number): void {
    const shard = view.getUint8(offset + 1);
    const count = view.getUint16(offset + 2);
    const requestId = view.getUint32(offset + 4);
    const queueId = view.getInt32(offset + 8);
    const sysFlag = view.getInt32(offset + 12);
    const bornTimestamp = view.getFloat64(offset + 16);
    const bornHost = {
      address: `${buffer[offset + 24]}.${buffer[offset + 25]}.${buffer[offset + 26]}.${buffer[offset + 27]}`,
      port: view.getInt32(offset + 28),
    };
    const reconsumeTimes = view.getInt32(offset + 32);
    const waitDurable = view.getUint8(offset + 36) === 1;
    const topicLength = view.getUint8(offset + 37);
    const topic = readTopic(buffer, offset + SEND_HEADER_BYTES, topicLength);
    const store = this.stores.get(shard);
    if (!store) {
      this.queueAck(requestId, SendStatus.ERROR, 0, [], `shard ${shard} is not on this actor`);
      return;
    }
    const messages: MessageInput[] = [];
    let at = offset + SEND_HEADER_BYTES + topicLength;
    const end = offset + length;
    for (let i = 0; i < count && at + SEND_MESSAGE_HEADER_BYTES <= end; i++) {
      const flag = view.getInt32(at);
      const propertiesLength = view.getInt32(at + 4);
      const bodyLength = view.getInt32(at + 8);
      const propertiesStart = at + SEND_MESSAGE_HEADER_BYTES;
      const bodyStart = propertiesStart + propertiesLength;
      messages.push({
        topic,
        queueId,
        flag,
        sysFlag,
        bornTimestamp,
        bornHost,
        reconsumeTimes,
        properties: buffer.subarray(propertiesStart, bodyStart),
        body: buffer.subarray(bodyStart, bodyStart + bodyLength),
      });
      at = bodyStart + bodyLength;
    }
    let result;
    try {
      result = store.appendBatch(messages);
    } catch (error) {
      this.queueAck(requestId, sendStatusOf(error), 0, [], (error as Error).message);
      return;
    }
    let appended = this.touched.get(store);
    if (!appended) this.touched.set(store, (appended = []));
    const key = `${shard}\u0000${queueId}\u0000${topic}`;
    if (!this.arrivals.has(key)) this.arrivals.set(key, { shard, topic, queueId, store });
    const firstQueueOffset = result.queueOffsets[0] ?? 0;
    if (!waitDurable || store.options.flushDiskType !== 'SYNC_FLUSH') {
      // Answered after the drain's write-out, so a send is never OK while its bytes are not
      // in the files.
      appended.push({ requestId, firstQueueOffset, physicalOffsets: result.physicalOffsets });
      return;
    }
    store.whenDurable(result.endPhysicalOffset).then(
      () => this.answerLater(requestId, SendStatus.OK, firstQueueOffset, result.physicalOffsets),
      (error: unknown) =>
        this.answerLater(
          requestId,
          sendStatusOf(error),
          firstQueueOffset,
          result.physicalOffsets,
          (error as Error).message,
        ),
    );
  }

  /** A handler threw before answering (a bug): the request still gets an answer. */
  private answerFailed(type: number, view: DataView, offset: number, error: unknown): void {
    this.logger.error({ err: error, type }, 'queue actor request failed');
    // Both record types carry the request id at +4; a pull its shard at +1, queue at +8.
    const requestId = view.getUint32(offset + 4);
    if (type === RequestType.SEND) {
      this.queueAck(requestId, SendStatus.ERROR, 0, [], `storing failed: ${String(error)}`);
    } else if (type === RequestType.PULL) {
      const queueOffset = view.getFloat64(offset + 16);
      const result = retryPullResult(queueOffset, 0, queueOffset);
      this.outbox.push({
        size: PULL_RESULT_HEADER_BYTES,
        fill: pullResultFill(requestId, PULL_STATUSES.indexOf(result.status), result),
      });
    }
  }

  /** Writes out one store's appends of this drain and answers the sends waiting on it. */
  private finishWrites(store: MessageStore, sends: readonly AppendedSend[]): void {
    let failure: unknown;
    try {
      store.writePending();
    } catch (error) {
      failure = error;
    }
    for (const send of sends) {
      if (failure === undefined)
        this.queueAck(send.requestId, SendStatus.OK, send.firstQueueOffset, send.physicalOffsets);
      else this.queueAck(send.requestId, sendStatusOf(failure), 0, [], (failure as Error).message);
    }
  }

  private handlePull(buffer: Buffer, view: DataView, offset: number): void {
    const shard = view.getUint8(offset + 1);
    const tagCodeCount = view.getUint16(offset + 2);
    const requestId = view.getUint32(offset + 4);
    const queueId = view.getInt32(offset + 8);
    const maxMessages = view.getInt32(offset + 12);
    const queueOffset = view.getFloat64(offset + 16);
    const maxBytes = view.getInt32(offset + 24);
    const topicLength = view.getUint8(offset + 28);
    let tagsCodes: Set<number> | undefined;
    if (tagCodeCount > 0) {
      tagsCodes = new Set();
      for (let i = 0; i < tagCodeCount; i++) tagsCodes.add(view.getInt32(offset + 32 + i * 4));
    }
    const topicStart = offset + 32 + tagCodeCount * 4;
    const topic = readTopic(buffer, topicStart, topicLength);
    const store = this.stores.get(shard);
    let result: GetMessagesResult | undefined;
    try {
      result = store?.getMessages({
        topic,
        queueId,
        queueOffset,
        maxMessages,
        maxBytes,
        ...(tagsCodes ? { tagsCodes } : {}),
      });
    } catch (error) {
      // A read that failed (an I/O error): the consumer retries at the same offset.
      this.logger.warn({ err: error, topic, queueId, queueOffset }, 'pull read failed');
      const min = store!.getMinOffset(topic, queueId);
      result = retryPullResult(queueOffset, min, store!.getMaxOffset(topic, queueId));
    }
    const status = PULL_STATUSES.indexOf(result?.status ?? 'NO_MATCHED_LOGIC_QUEUE');
    const data = result?.data;
    const dataLength = data?.length ?? 0;
    this.outbox.push({
      size: PULL_RESULT_HEADER_BYTES + dataLength,
      fill: pullResultFill(requestId, status, result),
    });
  }

  private queueAck(
    requestId: number,
    status: SendStatus,
    firstQueueOffset: number,
    physicalOffsets: readonly number[],
    remark = '',
  ): void {
    const remarkBytes = remark ? Buffer.from(remark.slice(0, 1000)) : undefined;
    const count = physicalOffsets.length;
    this.outbox.push({
      size: SEND_ACK_HEADER_BYTES + count * 8 + 2 + (remarkBytes?.length ?? 0),
      fill: sendAckFill(requestId, status, firstQueueOffset, physicalOffsets, remarkBytes),
    });
  }

  private answerLater(
    requestId: number,
    status: SendStatus,
    firstQueueOffset: number,
    physicalOffsets: readonly number[],
    remark?: string,
  ): void {
    this.queueAck(requestId, status, firstQueueOffset, physicalOffsets, remark);
    this.flushOutboxNow();
    // The loop sleeps on the request ring; if the response ring was full, wait for space here
    // so these acks do not stall until the next request arrives.
    if (this.outbox.length > 0 && !this.drainingOutbox) {
      this.drainingOutbox = true;
      void this.flushOutbox().finally(() => (this.drainingOutbox = false));
    }
  }

  private queueArrival(arrival: Arrival): void {
    const topicBytes = Buffer.from(arrival.topic);
    const maxOffset = arrival.store.getMaxOffset(arrival.topic, arrival.queueId);
    this.outbox.push({
      size: ARRIVAL_HEADER_BYTES + topicBytes.length,
      fill: (bytes, view, at) => {
        view.setUint8(at, ResponseType.ARRIVAL);
        view.setUint8(at + 1, arrival.shard);
        view.setInt32(at + 4, arrival.queueId);
        view.setFloat64(at + 8, maxOffset);
        view.setUint8(at + 16, topicBytes.length);
        bytes.set(topicBytes, at + ARRIVAL_HEADER_BYTES);
      },
    });
  }

  /** Writes what fits now and publishes it with one wake-up. */
  private flushOutboxNow(): void {
    let written = 0;
    while (written < this.outbox.length) {
      const next = this.outbox[written]!;
      if (!this.writer.tryWrite(next.size, next.fill)) break;
      written++;
    }
    if (written > 0) {
      this.outbox.splice(0, written);
      this.writer.publish();
    }
  }

  private async flushOutbox(): Promise<void> {
    for (let guard = 0; this.outbox.length > 0 && guard < 1_000_000; guard++) {
      this.flushOutboxNow();
      if (this.outbox.length > 0) await this.writer.waitForSpace();
    }
  }
}

/* The response records' fills: each writes one record into the response ring at `at`. */

function sendAckFill(
  requestId: number,
  status: SendStatus,
  firstQueueOffset: number,
  physicalOffsets: readonly number[],
  remarkBytes: Buffer | undefined,
): Fill {
  return (bytes, view, at) => {
    const count = physicalOffsets.length;
    view.setUint8(at, ResponseType.SEND_ACK);
    view.setUint8(at + 1, status);
    view.setUint16(at + 2, count);
    view.setUint32(at + 4, requestId);
    view.setFloat64(at + 8, firstQueueOffset);
    let p = at + SEND_ACK_HEADER_BYTES;
    for (let i = 0; i < count; i++, p += 8) view.setFloat64(p, physicalOffsets[i]!);
    view.setUint16(p, remarkBytes?.length ?? 0);
    if (remarkBytes) bytes.set(remarkBytes, p + 2);
  };
}

function pullResultFill(
  requestId: number,
  status: number,
  result: GetMessagesResult | undefined,
): Fill {
  return (bytes, out, at) => {
    const data = result?.data;
    const dataLength = data?.length ?? 0;
    out.setUint8(at, ResponseType.PULL_RESULT);
    out.setUint8(at + 1, status);
    out.setUint32(at + 4, requestId);
    out.setFloat64(at + 8, result?.nextQueueOffset ?? 0);
    out.setFloat64(at + 16, result?.minOffset ?? 0);
    out.setFloat64(at + 24, result?.maxOffset ?? 0);
    out.setUint32(at + 32, result?.messageCount ?? 0);
    out.setUint32(at + 36, dataLength);
    if (data && dataLength > 0) bytes.set(data, at + PULL_RESULT_HEADER_BYTES);
  };
}

/** "Retry at the same offset" (PULL_RETRY_IMMEDIATELY), for a pull whose read failed. */
function retryPullResult(
  queueOffset: number,
  minOffset: number,
  maxOffset: number,
): GetMessagesResult {
  return {
    status: 'MESSAGE_WAS_REMOVING',
    nextQueueOffset: queueOffset,
    minOffset,
    maxOffset,
    messageCount: 0,
    data: Buffer.alloc(0),
    queueOffsets: [],
  };
}

function sendStatusOf(error: unknown): SendStatus {
  if (!(error instanceof StoreError)) return SendStatus.ERROR;
  switch (error.code) {
    case StoreErrorCode.MESSAGE_ILLEGAL:
      return SendStatus.MESSAGE_ILLEGAL;
    case StoreErrorCode.FLUSH_DISK_TIMEOUT:
      return SendStatus.FLUSH_DISK_TIMEOUT;
    case StoreErrorCode.NOT_WRITABLE:
    case StoreErrorCode.DISK_FULL:
      return SendStatus.SERVICE_NOT_AVAILABLE;
    default:
      return SendStatus.ERROR;
  }
}
