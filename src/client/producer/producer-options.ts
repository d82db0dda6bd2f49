/**
 * Producer options: defaults as the Java DefaultMQProducer's (protocol/REMOTING.md 11.1, 13.4,
 * 14.2, 14.11), checked once at construction with errors that name the option.
 */
import { DEFAULT_MAX_FRAME_BYTES } from '../../remoting/index.ts';
import type { ClientOptions } from '../core/client-instance.ts';
import { integerOption, InvalidArgumentError } from '../core/errors.ts';
import { MAX_GROUP_LENGTH } from '../../protocol/limits.ts';
import { NAME_PATTERN } from '../../protocol/topic-names.ts';

export interface ProducerOptions extends ClientOptions {
  /** Producer group, registered with brokers by heartbeat. */
  group: string;
  /** Budget of one send including its retries, ms (default 3000). */
  sendTimeoutMs?: number;
  /** Extra attempts on another broker after a retriable failure (default 2). */
  retryTimesWhenSendFailed?: number;
  /** Bodies longer than this are zlib-compressed (default 4096); batches never are. */
  compressOverBytes?: number;
  /** zlib level, 0-9 (default 5). */
  compressLevel?: number;
  /** Largest body, and largest encoded batch, in bytes (default 4 MiB). */
  maxMessageSize?: number;
  /** Queues asked for when the broker auto-creates a topic from TBW102 (default 4). */
  defaultTopicQueueNums?: number;
}

export interface FilledProducerOptions {
  group: string;
  sendTimeoutMs: number;
  retryTimesWhenSendFailed: number;
  compressOverBytes: number;
  compressLevel: number;
  maxMessageSize: number;
  defaultTopicQueueNums: number;
}

export const PRODUCER_DEFAULTS = {
  sendTimeoutMs: 3000,
  retryTimesWhenSendFailed: 2,
  compressOverBytes: 4096,
  compressLevel: 5,
  maxMessageSize: 4 * 1024 * 1024,
  defaultTopicQueueNums: 4,
} as const;

/** Room left in a frame for the header next to the largest body. */
const FRAME_HEADER_ROOM_BYTES = 64 * 1024;

export function checkGroup(group: unknown): string {
  if (typeof group !== 'string' || group.length === 0)
    throw new InvalidArgumentError('options.group is required: the producer group name');
  if (!NAME_PATTERN.test(group))
    throw new InvalidArgumentError(
      `options.group ${JSON.stringify(group)} may hold only letters, digits, %, |, _ and -`,
    );
  if (group.length > MAX_GROUP_LENGTH)
    throw new InvalidArgumentError(`options.group is longer than ${MAX_GROUP_LENGTH} characters`);
  return group;
}

export function fillProducerOptions(options: ProducerOptions): FilledProducerOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError('producer options are required (at least { group })');
  const d = PRODUCER_DEFAULTS;
  return {
    group: checkGroup(options.group),
    sendTimeoutMs: integerOption(
      'sendTimeoutMs',
      options.sendTimeoutMs ?? d.sendTimeoutMs,
      1,
      2 ** 31 - 1,
    ),
    retryTimesWhenSendFailed: integerOption(
      'retryTimesWhenSendFailed',
      options.retryTimesWhenSendFailed ?? d.retryTimesWhenSendFailed,
      0,
      16,
    ),
    compressOverBytes: integerOption(
      'compressOverBytes',
      options.compressOverBytes ?? d.compressOverBytes,
      0,
      2 ** 31 - 1,
    ),
    compressLevel: integerOption('compressLevel', options.compressLevel ?? d.compressLevel, 0, 9),
    maxMessageSize: integerOption(
      'maxMessageSize',
      options.maxMessageSize ?? d.maxMessageSize,
      1,
      DEFAULT_MAX_FRAME_BYTES - FRAME_HEADER_ROOM_BYTES,
    ),
    defaultTopicQueueNums: integerOption(
      'defaultTopicQueueNums',
      options.defaultTopicQueueNums ?? d.defaultTopicQueueNums,
      1,
      65_535,
    ),
  };
}
