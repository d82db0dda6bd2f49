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
import type { MessageStore, PlannedMessages } from '../../../native-free-store/index.ts';
import { StoreError, StoreErrorCode } from '../../../native-free-store/index.ts';
import type { FilterPool } from '../filter/filter-pool.ts';
import type { RingReader, RingWriter } from '../../ring/index.ts';
import { arrivalRecordBytes, encodeArrival } from './arrival-record.ts';
import { decodePull } from './pull-record.ts';
import type { PullRecord } from './pull-record.ts';
import {
  encodePullResultHeader,
  pullResultDataStart,
  pullResultRecordBytes,
} from './pull-result-record.ts';
import type { PullResultHeader } from './pull-result-record.ts';
import { bufferOf, InternTable, RequestType, SendStatus } from './ring-records.ts';
import type { InternedString } from './ring-records.ts';
import { ackRemarkBytes, encodeSendAck, sendAckRecordBytes } from './send-ack-record.ts';
import { BORN_HOST_BYTES, decodeSend } from './send-record.ts';

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
  topic: InternedString;
  queueId: number;
  store: MessageStore;
}

export class QueueActor {
  private readonly stores: ReadonlyMap<number, MessageStore>;
  private readonly reader: RingReader;
  private readonly writer: RingWriter;
  private readonly logger: Logger;
  /** Where SQL92 pulls are filtered, off this thread's loop. */
  private readonly filters: FilterPool;
  private readonly outbox: Outgoing[] = [];
  private stopped = false;
  private drainingOutbox = false;
  private running: Promise<void> | undefined;
  /** Stores appended to in this drain, with the sends waiting for their write-out. */
  private readonly touched = new Map<MessageStore, AppendedSend[]>();
  /** Queues that grew in this drain, by topic then queueId * 256 + shard. */
  private readonly arrivals = new Map<InternedString, Map<number, Arrival>>();
  /** Topics and filter expressions of the records read, decoded once each. */
  private readonly strings = new InternTable();
  /** The born host of the send being appended, as stored (send-record.ts decodeSend). */
  private readonly bornHost = Buffer.alloc(BORN_HOST_BYTES);

  constructor(
    stores: ReadonlyMap<number, MessageStore>,
    reader: RingReader,
    writer: RingWriter,
    logger: Logger,
    filters: FilterPool,
  ) {
    this.filters = filters;
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
    for (const queues of this.arrivals.values())
      for (const arrival of queues.values()) this.queueArrival(arrival);
    this.arrivals.clear();
    this.flushOutboxNow();
  }

  private handleSend(buffer: Buffer, view: DataView, offset: number, length: number): void {
    const send = decodeSend(buffer, view, offset, length, this.strings, this.bornHost);
    const { shard, requestId, queueId } = send;
    const store = this.stores.get(shard);
    if (!store) {
      this.queueAck(requestId, SendStatus.ERROR, 0, [], `shard ${shard} is not on this actor`);
      return;
    }
    let result;
    try {
      result = store.appendBatch(send.messages);
    } catch (error) {
      this.queueAck(requestId, sendStatusOf(error), 0, [], (error as Error).message);
      return;
    }
    let appended = this.touched.get(store);
    if (!appended) this.touched.set(store, (appended = []));
    this.noteArrival(shard, send.topic, queueId, store);
    const firstQueueOffset = result.queueOffsets[0] ?? 0;
    if (!send.waitDurable || store.options.flushDiskType !== 'SYNC_FLUSH') {
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

  private noteArrival(
    shard: number,
    topic: InternedString,
    queueId: number,
    store: MessageStore,
  ): void {
    let queues = this.arrivals.get(topic);
    if (!queues) this.arrivals.set(topic, (queues = new Map()));
    const key = queueId * 256 + shard;
    if (!queues.has(key)) queues.set(key, { shard, topic, queueId, store });
  }

  /** A handler threw before answering (a bug): the request still gets an answer. */
  private answerFailed(type: number, view: DataView, offset: number, error: unknown): void {
    this.logger.error({ err: error, type }, 'queue actor request failed');
    // Both record types carry the request id at +4; a pull its shard at +1, queue at +8.
    const requestId = view.getUint32(offset + 4);
    if (type === RequestType.SEND) {
      this.queueAck(requestId, SendStatus.ERROR, 0, [], `storing failed: ${String(error)}`);
    } else if (type === RequestType.PULL) {
      const header = retryHeader(view.getFloat64(offset + 16), 0, 0);
      this.outbox.push({
        size: pullResultRecordBytes(0),
        fill: (_bytes, out, at) => encodePullResultHeader(out, at, requestId, header, 0),
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
    const pull = decodePull(buffer, view, offset, this.strings);
    const { topic, queueId, queueOffset } = pull.query;
    const store = this.stores.get(pull.shard);
    let plan: PlannedMessages | undefined;
    try {
      plan = store?.planMessages(pull.query);
    } catch (error) {
      // A read that failed (an I/O error): the consumer retries at the same offset.
      this.logger.warn({ err: error, topic, queueId, queueOffset }, 'pull read failed');
      const min = store!.getMinOffset(topic, queueId);
      plan = { ...retryHeader(queueOffset, min, store!.getMaxOffset(topic, queueId)), ...NO_DATA };
    }
    const planned = plan ?? {
      ...retryHeader(0, 0, 0),
      status: 'NO_MATCHED_LOGIC_QUEUE',
      ...NO_DATA,
    };
    if (pull.sql !== undefined && store !== undefined && planned.totalBytes > 0) {
      this.filterPull(pull, store, planned, pull.sql);
      return;
    }
    // The records are read when the slot is written: straight from the files into the ring.
    this.outbox.push({
      size: pullResultRecordBytes(planned.totalBytes),
      fill: (bytes, out, at) => this.writePullResult(bytes, out, at, pull, store, planned),
    });
  }

  /**
   * Writes a pull's result into its ring slot: the header, then (FOUND) the records read from
   * the store into the slot. Never throws: a failed read answers "retry at the same offset".
   */
  private writePullResult(
    bytes: Uint8Array,
    view: DataView,
    at: number,
    pull: PullRecord,
    store: MessageStore | undefined,
    plan: PlannedMessages,
  ): void {
    const found = plan.totalBytes;
    if (found > 0 && !this.readRecords(store, pull, plan, bytes, pullResultDataStart(at))) {
      encodePullResultHeader(view, at, pull.requestId, pullRetryHeader(pull, plan), 0);
      return;
    }
    encodePullResultHeader(view, at, pull.requestId, plan, found);
  }

  /** Reads a plan's records into target at offset; false (logged) when they could not be. */
  private readRecords(
    store: MessageStore | undefined,
    pull: PullRecord,
    plan: PlannedMessages,
    target: Uint8Array,
    offset: number,
  ): boolean {
    if (store === undefined) return false;
    try {
      return store.readPlanned(plan, target, offset);
    } catch (error) {
      this.logger.warn({ err: error, topic: pull.query.topic }, 'pull read failed');
      return false;
    }
  }

  /**
   * A SQL92 pull: the found records are read into a buffer of their own, which goes to the
   * filter pool and back by transfer; the kept ones are copied into the slot. A read that
   * fails answers as any failed read does; a busy pool or an expression that does not compile
   * answer NO_MATCHED_MESSAGE at this offset, so the consumer pulls again, skipping nothing.
   */
  private filterPull(
    pull: PullRecord,
    store: MessageStore,
    plan: PlannedMessages,
    expression: string,
  ): void {
    const retry = { ...pullRetryHeader(pull, plan), status: 'NO_MATCHED_MESSAGE' } as const;
    const answer = (header: PullResultHeader, data?: Uint8Array, length = 0): void => {
      this.outbox.push({
        size: pullResultRecordBytes(length),
        fill: (bytes, view, at) => {
          if (data !== undefined) bytes.set(data.subarray(0, length), pullResultDataStart(at));
          encodePullResultHeader(view, at, pull.requestId, header, length);
        },
      });
      this.publishLater();
    };
    const records = new Uint8Array(plan.totalBytes);
    if (!this.readRecords(store, pull, plan, records, 0)) {
      answer(pullRetryHeader(pull, plan));
      return;
    }
    this.filters.filter(expression, records).then(
      (outcome) => {
        if (outcome.kind !== 'filtered') answer(retry);
        else if (outcome.kept === 0)
          answer({ ...plan, status: 'NO_MATCHED_MESSAGE', messageCount: 0 });
        else answer({ ...plan, messageCount: outcome.kept }, outcome.data, outcome.bytes);
      },
      (error: unknown) => {
        this.logger.warn({ err: error, expression }, 'SQL92 filtering failed');
        answer(retry);
      },
    );
  }

  private queueAck(
    requestId: number,
    status: SendStatus,
    firstQueueOffset: number,
    physicalOffsets: readonly number[],
    remark = '',
  ): void {
    const remarkBytes = ackRemarkBytes(remark);
    this.outbox.push({
      size: sendAckRecordBytes(physicalOffsets.length, remarkBytes),
      fill: (bytes, view, at) =>
        encodeSendAck(
          bytes,
          view,
          at,
          requestId,
          status,
          firstQueueOffset,
          physicalOffsets,
          remarkBytes,
        ),
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
    this.publishLater();
  }

  /** Publishes records queued outside a drain (the loop publishes those of a drain). */
  private publishLater(): void {
    this.flushOutboxNow();
    // The loop sleeps on the request ring; if the response ring was full, wait for space here
    // so these acks do not stall until the next request arrives.
    if (this.outbox.length > 0 && !this.drainingOutbox) {
      this.drainingOutbox = true;
      void this.flushOutbox().finally(() => (this.drainingOutbox = false));
    }
  }

  private queueArrival(arrival: Arrival): void {
    const { shard, queueId, topic } = arrival;
    const maxOffset = arrival.store.getMaxOffset(topic.text, queueId);
    this.outbox.push({
      size: arrivalRecordBytes(topic.bytes),
      fill: (bytes, view, at) =>
        encodeArrival(bytes, view, at, shard, queueId, maxOffset, topic.bytes),
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

const NO_DATA = { totalBytes: 0, physicalOffsets: [], sizes: [], queueOffsets: [] };

/** "Retry at the same offset" (PULL_RETRY_IMMEDIATELY), for a pull whose read failed. */
/** "Retry at the same offset" for a pull whose planned records could not be read. */
function pullRetryHeader(pull: PullRecord, plan: PlannedMessages): PullResultHeader {
  return retryHeader(pull.query.queueOffset, plan.minOffset, plan.maxOffset);
}

function retryHeader(queueOffset: number, minOffset: number, maxOffset: number): PullResultHeader {
  return {
    status: 'MESSAGE_WAS_REMOVING',
    nextQueueOffset: queueOffset,
    minOffset,
    maxOffset,
    messageCount: 0,
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
