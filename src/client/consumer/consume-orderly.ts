/**
 * Orderly consumption: each queue is consumed one batch at a time, in offset order, taking one
 * of the consumeConcurrency slots per batch. In clustering, a batch starts only while this member
 * holds the queue's broker lock, confirmed within the last 30 s (OrderlyLocks); otherwise the
 * queue is locked again first and waits 3 s when that fails. SUSPEND_CURRENT_QUEUE_A_MOMENT (or a
 * throw) retries the same batch after suspendMs with reconsumeTimes raised. Past
 * maxReconsumeTimes (only when the application set it, as the Java client's orderly default is
 * unlimited) a clustering consumer sends the batch to the dead-letter queue and moves on; a
 * broadcasting one drops it with a warning.
 *
 * The batch in progress is exposed as processQueue.inflight: a queue leaving this member waits
 * for it, so a batch that succeeds after the queue was dropped still commits its offset before
 * the queue is unlocked and another member takes it up.
 */
import type { ConsumeServiceOptions, OrderlyMessageListener } from './consume-listener.ts';
import { callListener, prepareForListener } from './consume-listener.ts';
import type { MessageExt } from '../core/message.ts';
import { OrderlyLocks } from './orderly-locks.ts';
import type { ProcessQueue } from './process-queue.ts';
import { giveBack } from './send-back.ts';

export const SUSPEND_CURRENT_QUEUE_MS = 1000;
/** A queue whose lock could not be taken tries again after this long. */
const RELOCK_DELAY_MS = 3000;
const DEAD_LETTER = -1;

export interface OrderlyServiceOptions extends ConsumeServiceOptions {
  maxReconsumeTimesGiven: boolean;
  /** Pause after a failed batch (default SUSPEND_CURRENT_QUEUE_MS). */
  suspendMs?: number;
  /** Clustering: the broker locks gating consumption; absent in broadcasting. */
  locks?: OrderlyLocks;
}

export class OrderlyConsumeService {
  constructor(
    private readonly options: OrderlyServiceOptions,
    private readonly listener: OrderlyMessageListener,
  ) {}

  /** New messages arrived for the queue: start its batch loop unless one runs. */
  submit(processQueue: ProcessQueue): void {
    if (processQueue.consumingOrderly || processQueue.dropped) return;
    processQueue.consumingOrderly = true;
    this.schedule(processQueue, 0);
  }

  private schedule(processQueue: ProcessQueue, delayMs: number): void {
    const run = () => this.options.limiter.run(() => this.consumeNext(processQueue));
    if (delayMs === 0) run();
    else this.options.timers.later(delayMs, run);
  }

  private async consumeNext(processQueue: ProcessQueue): Promise<void> {
    if (processQueue.dropped) {
      processQueue.consumingOrderly = false;
      return;
    }
    const { locks } = this.options;
    if (locks && !OrderlyLocks.usable(processQueue)) {
      const locked = await locks.lock(processQueue.queue, processQueue);
      if (processQueue.dropped) {
        processQueue.consumingOrderly = false;
        return;
      }
      if (!locked) {
        this.schedule(processQueue, RELOCK_DELAY_MS);
        return;
      }
    }
    const batch = processQueue.head(this.options.batchSize);
    if (batch.length === 0) {
      processQueue.consumingOrderly = false;
      return;
    }
    let finish!: () => void;
    const inflight = new Promise<void>((resolve) => (finish = resolve));
    processQueue.inflight = inflight;
    try {
      await this.consumeBatch(processQueue, batch);
    } finally {
      // The next batch may already have started (the limiter can run it synchronously).
      if (processQueue.inflight === inflight) processQueue.inflight = undefined;
      finish();
    }
  }

  private async consumeBatch(processQueue: ProcessQueue, batch: MessageExt[]): Promise<void> {
    const { logger, group } = this.options;
    prepareForListener(batch, group);
    const queue = { ...processQueue.queue };
    const result = await callListener(
      () => this.listener(batch, { queue }),
      'SUCCESS',
      'SUSPEND_CURRENT_QUEUE_A_MOMENT',
      logger,
      queue,
    );
    if (processQueue.dropped) {
      // Still counts: the queue's hand-over waits for this batch before committing.
      if (result === 'SUCCESS')
        this.options.offsetStore.update(processQueue.queue, batch.at(-1)!.queueOffset + 1, true);
      processQueue.consumingOrderly = false;
      return;
    }
    let finished = result === 'SUCCESS';
    if (!finished) {
      for (const message of batch) message.reconsumeTimes++;
      finished = await this.deadLetterIfExhausted(processQueue, batch);
    }
    if (finished) {
      const offset = processQueue.remove(batch);
      if (offset >= 0) this.options.offsetStore.update(processQueue.queue, offset, true);
      this.schedule(processQueue, 0);
      return;
    }
    this.schedule(processQueue, this.options.suspendMs ?? SUSPEND_CURRENT_QUEUE_MS);
  }

  /** True when the batch is past its retries and has been dealt with. */
  private async deadLetterIfExhausted(
    processQueue: ProcessQueue,
    batch: readonly MessageExt[],
  ): Promise<boolean> {
    const { maxReconsumeTimes, maxReconsumeTimesGiven, messageModel, logger } = this.options;
    if (!maxReconsumeTimesGiven || batch.every((m) => m.reconsumeTimes <= maxReconsumeTimes))
      return false;
    if (messageModel === 'BROADCASTING') {
      logger.warn(
        { queue: processQueue.queue, msgIds: batch.map((m) => m.msgId) },
        'orderly broadcasting listener kept failing; the messages are dropped',
      );
      return true;
    }
    const results = await Promise.all(
      batch.map((message) =>
        giveBack(this.options.instance, {
          group: this.options.group,
          message,
          queue: processQueue.queue,
          maxReconsumeTimes,
          delayLevel: DEAD_LETTER,
        }),
      ),
    );
    return results.every(Boolean);
  }
}
