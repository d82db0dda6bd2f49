/**
 * The pull loop of one assigned queue (protocol/REMOTING.md 14.3): one PULL_MESSAGE in flight at
 * a time, long-polled by the broker; found messages go to the process queue and the consumer;
 * 19/20 move the offset on (and record it as consumed when nothing is held); 21 hands the queue
 * back to the consumer (offsetMoved); errors wait 3 s, FLOW_CONTROL 20 ms; a queue holding too
 * many messages or bytes (or spanning too many offsets) pauses 50 ms.
 */
import type { Logger } from 'pino';
import type { ClientInstance } from '../core/client-instance.ts';
import { MQClientError, NoRouteError } from '../core/errors.ts';
import type { MessageExt } from '../core/message.ts';
import type { OffsetStore } from './offset-store.ts';
import type { ProcessQueue } from './process-queue.ts';
import type { PullResult } from './pull-api.ts';
import {
  DEFAULT_PULL_TIMEOUT_MS,
  DEFAULT_SUSPEND_TIMEOUT_MS,
  FLOW_CONTROL,
  pullAddress,
  pullMessage,
  PullStatus,
  PullSysFlag,
} from './pull-api.ts';
import type { TimerSet } from '../core/timers.ts';
import type { SubscriptionData } from '../../protocol/wire-types.ts';

export const PULL_DELAY_ON_ERROR_MS = 3000;
export const PULL_DELAY_ON_FLOW_CONTROL_MS = 20;
export const PULL_DELAY_WHEN_FULL_MS = 50;

export interface PullLoopOptions {
  instance: ClientInstance;
  group: string;
  logger: Logger;
  timers: TimerSet;
  offsetStore: OffsetStore;
  processQueue: ProcessQueue;
  startOffset: number;
  /** The topic's current subscription; undefined pauses the loop. */
  subscription: () => SubscriptionData | undefined;
  pullBatchSize: number;
  /** Commit the in-memory offset with each pull (clustering push consumers). */
  commitOffsets: boolean;
  /**
   * Record the next offset as consumed when a pull finds nothing and nothing is held (push
   * consumers); lite pull consumers commit only what poll() returned.
   */
  recordIdleOffsets: boolean;
  /** Send the subscription with each pull instead of relying on the heartbeat's. */
  sendSubscription: boolean;
  /** True while the queue may not take more messages. */
  isFull: (processQueue: ProcessQueue) => boolean;
  /** New messages, already added to the process queue. */
  deliver: (processQueue: ProcessQueue, messages: MessageExt[]) => void;
  /** The broker said the offset is out of range (21); this loop has stopped for good. */
  offsetMoved: (processQueue: ProcessQueue, nextOffset: number) => void;
}

export class PullLoop {
  /** The offset of the next pull. */
  nextOffset: number;
  private stopped = false;
  private brokerId = 0;
  private readonly done: Promise<void>;

  constructor(private readonly options: PullLoopOptions) {
    this.nextOffset = options.startOffset;
    this.done = this.run();
  }

  /** Stops after the pull in flight; resolves once the loop has ended. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.done;
  }

  private get active(): boolean {
    return !this.stopped && !this.options.processQueue.dropped;
  }

  private async run(): Promise<void> {
    const { timers, processQueue } = this.options;
    while (this.active) {
      if (this.options.isFull(processQueue)) {
        await timers.sleep(PULL_DELAY_WHEN_FULL_MS);
        continue;
      }
      const subscription = this.options.subscription();
      if (subscription === undefined) {
        await timers.sleep(PULL_DELAY_ON_ERROR_MS);
        continue;
      }
      const offset = this.nextOffset;
      let result: PullResult;
      try {
        result = await this.pullOnce(subscription, offset);
      } catch (error) {
        if (!this.active) break;
        const flowControl = error instanceof MQClientError && error.responseCode === FLOW_CONTROL;
        if (!flowControl)
          this.options.logger.warn(
            { queue: processQueue.queue, offset, err: (error as Error).message },
            'pull failed, retrying in 3 s',
          );
        await timers.sleep(flowControl ? PULL_DELAY_ON_FLOW_CONTROL_MS : PULL_DELAY_ON_ERROR_MS);
        continue;
      }
      if (!this.active) break;
      this.handle(result);
    }
  }

  private async pullOnce(subscription: SubscriptionData, offset: number): Promise<PullResult> {
    const { instance, processQueue, offsetStore } = this.options;
    const queue = processQueue.queue;
    const route = await instance.route(queue.topic);
    const address = pullAddress(route, queue.brokerName, this.brokerId);
    if (address === undefined) {
      await instance.route(queue.topic, true);
      throw new NoRouteError(`no address for broker ${queue.brokerName} of topic ${queue.topic}`);
    }
    let commitOffset = 0;
    if (this.options.commitOffsets) commitOffset = await offsetStore.read(queue, 'MEMORY');
    const commit = commitOffset > 0;
    const sysFlag =
      (commit ? PullSysFlag.COMMIT_OFFSET : 0) |
      PullSysFlag.SUSPEND |
      (this.options.sendSubscription ? PullSysFlag.SUBSCRIPTION : 0);
    processQueue.lastPullTimestampMs = Date.now();
    return pullMessage(instance, address, {
      group: this.options.group,
      queue,
      queueOffset: offset,
      maxMsgNums: this.options.pullBatchSize,
      sysFlag,
      commitOffset: commit ? commitOffset : 0,
      suspendTimeoutMs: DEFAULT_SUSPEND_TIMEOUT_MS,
      subscription,
      timeoutMs: DEFAULT_PULL_TIMEOUT_MS,
    });
  }

  /** With nothing held, everything scanned counts as consumed (filtered-out messages too). */
  private recordIdle(): void {
    const { processQueue, offsetStore } = this.options;
    if (!this.options.recordIdleOffsets || processQueue.messageCount > 0) return;
    const offset = processQueue.commitOffset();
    if (offset >= 0) offsetStore.update(processQueue.queue, offset, true);
  }

  private handle(result: PullResult): void {
    const { processQueue } = this.options;
    this.brokerId = result.suggestWhichBrokerId;
    switch (result.status) {
      case PullStatus.FOUND: {
        this.nextOffset = result.nextBeginOffset;
        const added = processQueue.add(result.messages);
        processQueue.scannedTo(result.nextBeginOffset);
        if (added.length > 0) this.options.deliver(processQueue, added);
        else this.recordIdle();
        return;
      }
      case PullStatus.NO_NEW_MSG:
      case PullStatus.NO_MATCHED_MSG:
        this.nextOffset = result.nextBeginOffset;
        processQueue.scannedTo(result.nextBeginOffset);
        this.recordIdle();
        return;
      case PullStatus.OFFSET_ILLEGAL:
        this.options.logger.warn(
          { queue: processQueue.queue, offset: this.nextOffset, next: result.nextBeginOffset },
          'pull offset out of range, the queue restarts at the broker offset',
        );
        this.nextOffset = result.nextBeginOffset;
        this.stopped = true;
        this.options.offsetMoved(processQueue, result.nextBeginOffset);
        return;
    }
  }
}
