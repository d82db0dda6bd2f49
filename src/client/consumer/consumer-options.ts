/**
 * Consumer options: the defaults in one object (the Java client's values, protocol/REMOTING.md
 * 14.3, 14.4, 14.11), merged with what the application passes and checked once, failing fast
 * with the option's name and value.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AllocateStrategy } from './allocate-strategies.ts';
import { allocateAveragely } from './allocate-strategies.ts';
import type { ClientOptions } from '../core/client-instance.ts';
import { nameServersFrom } from '../core/client-instance.ts';
import { ConsumeFromWhere, MessageModel } from './consume-from-where.ts';
import { integerOption, InvalidArgumentError } from '../core/errors.ts';
import { validateGroup } from './subscription.ts';

export interface ConsumerBaseOptions extends ClientOptions {
  group: string;
  messageModel?: MessageModel;
  consumeFromWhere?: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP, ms since the epoch; default 30 minutes before start. */
  consumeTimestamp?: number;
  /** Default allocateAveragely. */
  allocateStrategy?: AllocateStrategy;
  /** Messages asked for per pull (default 32). */
  pullBatchSize?: number;
  /** Messages held per queue before its pulls pause (default 1000). */
  pullThresholdForQueue?: number;
  /** MiB of bodies held per queue before its pulls pause (default 100). */
  pullThresholdSizeForQueueMiB?: number;
  /** Default 5000. */
  persistOffsetIntervalMs?: number;
  /** Default 20000; rebalances also run at start and when the group's members change. */
  rebalanceIntervalMs?: number;
  /** Broadcasting offsets live under <dir>/<clientId>/<group>/offsets.json; default ~/.rocketmq_offsets. */
  offsetStoreDir?: string;
}

export interface PushConsumerOptions extends ConsumerBaseOptions {
  /** Listener calls running at once (default 20). */
  consumeConcurrency?: number;
  /** Messages per listener call (default 1). */
  consumeBatchSize?: number;
  /** Deliveries of a failing message before the broker moves it to %DLQ% (default 16). */
  maxReconsumeTimes?: number;
  /** How long shutdown waits for running listeners (default 10000). */
  shutdownTimeoutMs?: number;
  /** Orderly listeners: how long a queue pauses after SUSPEND_CURRENT_QUEUE_A_MOMENT (default 1000). */
  suspendCurrentQueueTimeMillis?: number;
}

export type FilledConsumerOptions = Required<
  Omit<ConsumerBaseOptions, keyof ClientOptions | 'offsetStoreDir'>
> & { offsetStoreDir: string; client: ClientOptions };

export type FilledPushOptions = FilledConsumerOptions &
  Required<Omit<PushConsumerOptions, keyof ConsumerBaseOptions>> & {
    /** Whether maxReconsumeTimes was given (orderly listeners retry without limit otherwise). */
    maxReconsumeTimesGiven: boolean;
  };

export const DEFAULT_CONSUMER_OPTIONS = {
  messageModel: MessageModel.CLUSTERING,
  consumeFromWhere: ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET,
  pullBatchSize: 32,
  pullThresholdForQueue: 1000,
  pullThresholdSizeForQueueMiB: 100,
  persistOffsetIntervalMs: 5000,
  rebalanceIntervalMs: 20_000,
  consumeConcurrency: 20,
  consumeBatchSize: 1,
  maxReconsumeTimes: 16,
  shutdownTimeoutMs: 10_000,
  suspendCurrentQueueTimeMillis: 1000,
} as const;

const CONSUME_TIMESTAMP_BEFORE_START_MS = 30 * 60 * 1000;

function oneOf<T extends string>(name: string, value: unknown, allowed: Record<string, T>): T {
  const values = Object.values(allowed);
  if (!values.includes(value as T))
    throw new InvalidArgumentError(
      `options.${name} must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`,
    );
  return value as T;
}

export function parseConsumerOptions(options: ConsumerBaseOptions): FilledConsumerOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError('consumer options must be an object');
  const group = validateGroup(options.group);
  if (group === 'DEFAULT_CONSUMER')
    throw new InvalidArgumentError('options.group DEFAULT_CONSUMER is reserved; name your group');
  const d = DEFAULT_CONSUMER_OPTIONS;
  const strategy = options.allocateStrategy ?? allocateAveragely;
  if (typeof strategy !== 'function')
    throw new InvalidArgumentError('options.allocateStrategy must be a function');
  const consumeTimestamp =
    options.consumeTimestamp ?? Date.now() - CONSUME_TIMESTAMP_BEFORE_START_MS;
  integerOption('consumeTimestamp', consumeTimestamp, 0, Number.MAX_SAFE_INTEGER);
  const offsetStoreDir = options.offsetStoreDir ?? join(homedir(), '.rocketmq_offsets');
  if (typeof offsetStoreDir !== 'string' || offsetStoreDir.length === 0)
    throw new InvalidArgumentError('options.offsetStoreDir must be a non-empty path');
  const { namesrvAddr, instanceName, requestTimeoutMs, logger } = options;
  nameServersFrom(namesrvAddr);
  return {
    group,
    messageModel: oneOf('messageModel', options.messageModel ?? d.messageModel, MessageModel),
    consumeFromWhere: oneOf(
      'consumeFromWhere',
      options.consumeFromWhere ?? d.consumeFromWhere,
      ConsumeFromWhere,
    ),
    consumeTimestamp,
    allocateStrategy: strategy,
    pullBatchSize: integerOption(
      'pullBatchSize',
      options.pullBatchSize ?? d.pullBatchSize,
      1,
      1024,
    ),
    pullThresholdForQueue: integerOption(
      'pullThresholdForQueue',
      options.pullThresholdForQueue ?? d.pullThresholdForQueue,
      1,
      65_535,
    ),
    pullThresholdSizeForQueueMiB: integerOption(
      'pullThresholdSizeForQueueMiB',
      options.pullThresholdSizeForQueueMiB ?? d.pullThresholdSizeForQueueMiB,
      1,
      1024,
    ),
    persistOffsetIntervalMs: integerOption(
      'persistOffsetIntervalMs',
      options.persistOffsetIntervalMs ?? d.persistOffsetIntervalMs,
      100,
      3_600_000,
    ),
    rebalanceIntervalMs: integerOption(
      'rebalanceIntervalMs',
      options.rebalanceIntervalMs ?? d.rebalanceIntervalMs,
      100,
      3_600_000,
    ),
    offsetStoreDir,
    client: { namesrvAddr, instanceName, requestTimeoutMs, logger },
  };
}

export function parsePushConsumerOptions(options: PushConsumerOptions): FilledPushOptions {
  const base = parseConsumerOptions(options);
  const d = DEFAULT_CONSUMER_OPTIONS;
  return {
    ...base,
    consumeConcurrency: integerOption(
      'consumeConcurrency',
      options.consumeConcurrency ?? d.consumeConcurrency,
      1,
      1000,
    ),
    consumeBatchSize: integerOption(
      'consumeBatchSize',
      options.consumeBatchSize ?? d.consumeBatchSize,
      1,
      1024,
    ),
    // -1 means the default, as in the Java client.
    maxReconsumeTimes:
      options.maxReconsumeTimes === -1
        ? d.maxReconsumeTimes
        : integerOption(
            'maxReconsumeTimes',
            options.maxReconsumeTimes ?? d.maxReconsumeTimes,
            0,
            10_000,
          ),
    maxReconsumeTimesGiven:
      options.maxReconsumeTimes !== undefined && options.maxReconsumeTimes !== -1,
    shutdownTimeoutMs: integerOption(
      'shutdownTimeoutMs',
      options.shutdownTimeoutMs ?? d.shutdownTimeoutMs,
      0,
      600_000,
    ),
    suspendCurrentQueueTimeMillis: integerOption(
      'suspendCurrentQueueTimeMillis',
      options.suspendCurrentQueueTimeMillis ?? d.suspendCurrentQueueTimeMillis,
      10,
      60_000,
    ),
  };
}
