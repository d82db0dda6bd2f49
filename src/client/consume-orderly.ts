/**
 * Orderly consumption, for now without broker locks (those come with LOCK_BATCH_MQ): each queue
 * is consumed one batch at a time, in offset order, taking one of the consumeConcurrency slots
 * per batch. SUSPEND_CURRENT_QUEUE_A_MOMENT (or a throw) retries the same batch after 1 s with
 * reconsumeTimes raised. Past maxReconsumeTimes (only when the application set it, as the Java
 * client's orderly default is unlimited) a clustering consumer sends the batch to the dead-letter
 * queue and moves on; a broadcasting one drops it with a warning.
 */
import type { ConsumeServiceOptions, OrderlyMessageListener } from './consume-listener.ts';
import { callListener, prepareForListener } from './consume-listener.ts';
import type { MessageExt } from './message.ts';
import type { ProcessQueue } from './process-queue.ts';
import { giveBack } from './send-back.ts';

export const SUSPEND_CURRENT_QUEUE_MS = 1000;
const DEAD_LETTER = -1;

export class OrderlyConsumeService {
  constructor(
    private readonly options: ConsumeServiceOptions & { maxReconsumeTimesGiven: boolean },
    private readonly listener: OrderlyMessageListener,
  ) {}

  /** New messages arrived for the queue: start its batch loop unless one runs. */
  submit(processQueue: ProcessQueue): void {
    if (processQueue.consumingOrderly || processQueue.dropped) return;
    processQueue.consumingOrderly = true;
    this.options.limiter.run(() => this.consumeNext(processQueue));
  }

  private async consumeNext(processQueue: ProcessQueue): Promise<void> {
    const batch = processQueue.head(this.options.batchSize);
    if (batch.length === 0 || processQueue.dropped) {
      processQueue.consumingOrderly = false;
      return;
    }
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
      this.options.limiter.run(() => this.consumeNext(processQueue));
      return;
    }
    this.options.timers.later(SUSPEND_CURRENT_QUEUE_MS, () =>
      this.options.limiter.run(() => this.consumeNext(processQueue)),
    );
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
