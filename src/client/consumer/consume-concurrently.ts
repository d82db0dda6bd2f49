/**
 * Concurrent consumption (protocol/REMOTING.md 14.7): pulled messages are cut into batches of
 * consumeBatchSize and handed to the listener, at most consumeConcurrency at once across all
 * queues. A batch that succeeds is removed from its process queue and the queue's lowest
 * unfinished offset becomes its offset. A failed batch in clustering is given back to the broker
 * (retry topic); messages that cannot be given back stay in the process queue, holding the offset,
 * and are consumed again here after 5 s. Broadcasting never gives back: failures are logged and
 * dropped. Results for a dropped queue are ignored: its new owner consumes from the offset
 * persisted when it was dropped.
 */
import type { ConsumeServiceOptions, MessageListener } from './consume-listener.ts';
import { callListener, prepareForListener } from './consume-listener.ts';
import type { MessageExt } from '../core/message.ts';
import type { ProcessQueue } from './process-queue.ts';
import { giveBack } from './send-back.ts';

export const LOCAL_RETRY_DELAY_MS = 5000;

export class ConcurrentConsumeService {
  constructor(
    private readonly options: ConsumeServiceOptions,
    private readonly listener: MessageListener,
  ) {}

  submit(processQueue: ProcessQueue, messages: readonly MessageExt[]): void {
    const size = this.options.batchSize;
    for (let at = 0; at < messages.length; at += size) {
      const batch = messages.slice(at, at + size);
      this.options.limiter.run(() => this.consume(processQueue, batch));
    }
  }

  private async consume(processQueue: ProcessQueue, batch: MessageExt[]): Promise<void> {
    if (processQueue.dropped) return;
    const { logger, group } = this.options;
    prepareForListener(batch, group);
    const queue = { ...processQueue.queue };
    const result = await callListener(
      () => this.listener(batch, { queue }),
      'CONSUME_SUCCESS',
      'RECONSUME_LATER',
      logger,
      queue,
    );
    if (processQueue.dropped) return;
    let done = batch;
    if (result === 'RECONSUME_LATER') {
      if (this.options.messageModel === 'BROADCASTING') {
        logger.warn(
          { queue, msgIds: batch.map((m) => m.msgId) },
          'broadcasting listener failed; the messages are dropped',
        );
      } else {
        const kept = await this.giveBackAll(processQueue, batch);
        if (kept.length > 0) {
          done = batch.filter((message) => !kept.includes(message));
          for (const message of kept) message.reconsumeTimes++;
          this.options.timers.later(LOCAL_RETRY_DELAY_MS, () => this.submit(processQueue, kept));
        }
      }
    }
    const offset = processQueue.remove(done);
    if (offset >= 0 && !processQueue.dropped)
      this.options.offsetStore.update(processQueue.queue, offset, true);
  }

  /** Gives each message back; returns those that could not be. */
  private async giveBackAll(
    processQueue: ProcessQueue,
    batch: readonly MessageExt[],
  ): Promise<MessageExt[]> {
    const results = await Promise.all(
      batch.map((message) =>
        giveBack(this.options.instance, {
          group: this.options.group,
          message,
          queue: processQueue.queue,
          maxReconsumeTimes: this.options.maxReconsumeTimes,
        }),
      ),
    );
    return batch.filter((_message, i) => !results[i]);
  }
}
