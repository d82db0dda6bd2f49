/**
 * Moves waiting messages on (protocol/REMOTING.md 14.9; the policies are in wait-policy.ts).
 * One task per queue of the waiting topic reads from its saved offset, stores each ready
 * message where the policy says (its real topic, or another timer queue), and advances the
 * offset once that is stored. The first message not yet ready stops the scan and arms a timer
 * for its time (capped, so a clock jump is noticed); an empty queue waits for an arrival event.
 * Offsets go to the policy's file under config/.
 */
import type { Logger } from 'pino';
import type { ActorHost } from '../actor/actor-host.ts';
import type { PullResult } from '../actor/pull-result-record.ts';
import type { SendRequest } from '../actor/send-record.ts';
import { SendStatus } from '../actor/ring-records.ts';
import type { TopicConfigManager } from '../metadata/topic-config-manager.ts';
import { DelayOffsetTable } from './delay-offset-table.ts';
import { readWaitingRecord } from './scheduled-record.ts';
import type { WaitPolicy } from './wait-policy.ts';
import { checkRecord } from '../../protocol/message-record.ts';
import { encodeProperties } from '../../protocol/properties.ts';

interface ReadyMessage {
  queueOffset: number;
  /** Undefined when the message names no usable destination: it is skipped. */
  send: Omit<SendRequest, 'shard'> | undefined;
}

const PULL_MESSAGES = 32;
const PULL_BYTES = 1024 * 1024;
/** Longest a timer sleeps before re-checking the head (clock changes, missed events). */
const MAX_SLEEP_MS = 1000;
/** Pause after a refused request or a failed delivery. */
const RETRY_MS = 100;
const PERSIST_INTERVAL_MS = 10_000;

export interface ScheduleServiceOptions {
  actors: ActorHost;
  topics: TopicConfigManager;
  policy: WaitPolicy;
  configDirectory: string;
  logger: Logger;
}

interface LevelTask {
  /** queueId + 1, the key of the offsets file. */
  level: number;
  running: boolean;
  /** An arrival came while running: scan again when done. */
  again: boolean;
  timer: NodeJS.Timeout | undefined;
  /** The timer waits for a head not yet due (arrivals cannot be due sooner). */
  waitingForHead: boolean;
}

export class ScheduleService {
  private readonly options: ScheduleServiceOptions;
  private readonly offsets: DelayOffsetTable;
  private readonly tasks: LevelTask[] = [];
  private persistTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Offsets were loaded: only then may close() write them (never over a file it refused). */
  private started = false;

  constructor(options: ScheduleServiceOptions) {
    this.options = options;
    this.offsets = new DelayOffsetTable(options.configDirectory, options.policy.offsetsFile);
  }

  /** Loads the offsets (throws when the file is broken) and starts every queue. */
  start(): void {
    this.offsets.load();
    this.started = true;
    const topic = this.options.policy.topic;
    for (let level = 1; level <= this.options.policy.queues; level++) {
      this.tasks.push({
        level,
        running: false,
        again: false,
        timer: undefined,
        waitingForHead: false,
      });
    }
    this.options.actors.onArrival((arrivedTopic, queueId) => {
      if (arrivedTopic === topic) this.wake(queueId + 1);
    });
    this.persistTimer = setInterval(() => {
      this.offsets
        .persist()
        .catch((error: unknown) =>
          this.options.logger.error(
            { err: error, file: this.options.policy.offsetsFile },
            'writing wait offsets failed',
          ),
        );
    }, PERSIST_INTERVAL_MS).unref();
    for (const task of this.tasks) this.run(task);
  }

  /** Next offset to deliver of a level (for tests and admin). */
  offsetOf(level: number): number {
    return this.offsets.get(level);
  }

  /** The delay offset table of every level, `{"offsetTable":{1:0,...}}` (bare integer keys). */
  serializeOffsets(): string {
    return this.offsets.serialize(this.options.policy.queues);
  }

  /**
   * Stops the tasks, waits (bounded) for deliveries in flight to be stored, and writes the
   * offsets. A delivery still unanswered is sent again after a restart.
   */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.persistTimer);
    for (const task of this.tasks) clearTimeout(task.timer);
    const deadline = Date.now() + timeoutMs;
    while (this.tasks.some((task) => task.running) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    if (!this.started) return;
    try {
      this.offsets.persistSync();
    } catch (error) {
      // A full disk must not hold the shutdown; the file keeps its last written progress and
      // deliveries after it are sent again after a restart.
      this.options.logger.error(
        { err: error, file: this.options.policy.offsetsFile },
        'writing wait offsets at shutdown failed',
      );
    }
  }

  private wake(level: number): void {
    const task = this.tasks[level - 1];
    if (!task || this.closed) return;
    if (task.running) task.again = true;
    // An armed timer waits for an older head, which is due before anything that just arrived.
    else if (!task.waitingForHead) this.run(task);
  }

  private sleep(task: LevelTask, ms: number, forHead: boolean): void {
    if (this.closed) return;
    clearTimeout(task.timer);
    task.waitingForHead = forHead;
    task.timer = setTimeout(
      () => {
        task.timer = undefined;
        this.run(task);
      },
      Math.max(0, Math.min(ms, MAX_SLEEP_MS)),
    );
  }

  private run(task: LevelTask): void {
    if (this.closed || task.running) return;
    clearTimeout(task.timer);
    task.timer = undefined;
    task.waitingForHead = false;
    task.running = true;
    task.again = false;
    const queueId = task.level - 1;
    const topic = this.options.policy.topic;
    const accepted = this.options.actors.pull(
      {
        shard: this.options.topics.shardOf(topic, queueId),
        topic,
        queueId,
        queueOffset: this.offsets.get(task.level),
        maxMessages: PULL_MESSAGES,
        maxBytes: PULL_BYTES,
        tagCodes: [],
      },
      (result) => this.pulled(task, result),
    );
    if (!accepted) this.finish(task, RETRY_MS);
  }

  /**
   * Ends a scan: again at once if something arrived meanwhile; else after headDueInMs for a
   * head not yet due, or after retryMs (an idle queue still re-checks now and then in case an
   * arrival event was missed).
   */
  private finish(task: LevelTask, retryMs: number, headDueInMs?: number): void {
    task.running = false;
    if (this.closed) return;
    if (task.again) this.run(task);
    else if (headDueInMs !== undefined) this.sleep(task, headDueInMs, true);
    else this.sleep(task, retryMs, false);
  }

  private pulled(task: LevelTask, result: PullResult): void {
    if (this.closed) return this.finish(task, 0);
    const offset = this.offsets.get(task.level);
    if (result.status !== 'FOUND' || !result.data) {
      if (result.status === 'NO_MESSAGE_IN_QUEUE' || result.status === 'OFFSET_OVERFLOW_ONE')
        return this.finish(task, MAX_SLEEP_MS);
      // Behind the queue's start, past its end, or a hole: continue where the store says.
      if (result.nextBeginOffset !== offset) {
        this.options.logger.warn(
          {
            topic: this.options.policy.topic,
            queueId: task.level - 1,
            offset,
            next: result.nextBeginOffset,
            status: result.status,
          },
          'wait offset corrected',
        );
        this.offsets.set(task.level, result.nextBeginOffset);
        return this.finish(task, 0);
      }
      return this.finish(task, RETRY_MS);
    }
    const due: ReadyMessage[] = [];
    let headDueInMs: number | undefined;
    const now = Date.now();
    const policy = this.options.policy;
    const data = result.data;
    for (let at = 0; at + 4 <= data.length;) {
      const size = data.readInt32BE(at);
      if (size <= 0 || at + size > data.length) break;
      const record = data.subarray(at, at + size);
      at += size;
      const check = checkRecord(record, 0, record.length, false);
      if (check.kind !== 'message') continue;
      const message = readWaitingRecord(record, check.record);
      const readyAt = policy.readyAt(message, task.level - 1);
      if (readyAt > now) {
        headDueInMs = readyAt - now;
        break;
      }
      const next = policy.next(message, now);
      due.push({
        queueOffset: message.queueOffset,
        send: next && message.resend(next.topic, next.queueId, encodeProperties(next.properties)),
      });
    }
    if (due.length === 0) return this.finish(task, RETRY_MS, headDueInMs);
    this.deliver(task, due, headDueInMs);
  }

  /** Sends every due message; the offset moves past the longest run stored without a failure. */
  private deliver(task: LevelTask, due: ReadyMessage[], headDueInMs: number | undefined): void {
    const stored: boolean[] = new Array<boolean>(due.length).fill(false);
    let pending = due.length;
    const settle = (): void => {
      if (--pending > 0) return;
      let delivered = 0;
      while (delivered < due.length && stored[delivered]) delivered++;
      if (delivered > 0) this.offsets.set(task.level, due[delivered - 1]!.queueOffset + 1);
      // After a failure, back off; after a batch with no head in sight, read on at once.
      if (delivered < due.length) this.finish(task, RETRY_MS);
      else this.finish(task, 0, headDueInMs);
    };
    due.forEach((message, i) => {
      const send = message.send;
      if (!send) {
        this.options.logger.warn(
          {
            topic: this.options.policy.topic,
            queueId: task.level - 1,
            offset: message.queueOffset,
          },
          'waiting message without REAL_TOPIC/REAL_QID skipped',
        );
        stored[i] = true;
        return settle();
      }
      const accepted = this.options.actors.send(
        { ...send, shard: this.options.topics.shardOf(send.topic, send.queueId) },
        (ack) => {
          stored[i] = ack.status === SendStatus.OK || ack.status === SendStatus.FLUSH_DISK_TIMEOUT;
          if (!stored[i])
            this.options.logger.warn(
              {
                from: this.options.policy.name,
                topic: send.topic,
                status: ack.status,
                remark: ack.remark,
              },
              'moving a waiting message failed',
            );
          settle();
        },
      );
      if (!accepted) settle();
    });
  }
}
