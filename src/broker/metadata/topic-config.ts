/** Topic configuration as RocketMQ stores and registers it (protocol/REMOTING.md 8.2). */
import { MAX_TOPIC_LENGTH } from '../../protocol/limits.ts';
import { NOT_ALLOWED_SEND_TOPICS, NAME_PATTERN } from '../../protocol/topic-names.ts';

export const Perm = { PRIORITY: 8, READ: 4, WRITE: 2, INHERIT: 1 } as const;

export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: 'SINGLE_TAG' | 'MULTI_TAG';
  topicSysFlag: number;
  order: boolean;
}

export const DEFAULT_TOPIC = 'TBW102';
/** RocketMQ 5's timer topic name; here queue k holds a message 2^k ms (schedule/wait-policy). */
export const TIMER_TOPIC = 'rmq_sys_wheel_timer';
/** Hold times 1 ms .. 2^29 ms: together they cover any delay below 2^30 ms (12.4 days). */
export const TIMER_QUEUES = 30;

/** Topics clients may not send to directly (REMOTING.md 11.1 step 3): the timer topic too. */
export const SEND_FORBIDDEN_TOPICS: ReadonlySet<string> = new Set([
  ...NOT_ALLOWED_SEND_TOPICS,
  TIMER_TOPIC,
]);

/** Why a topic name is unusable, in RocketMQ's words, or undefined when it is fine. */
export function topicNameProblem(topic: string | undefined): string | undefined {
  if (!topic || topic.trim() === '') return 'The specified topic is blank.';
  if (topic.length > MAX_TOPIC_LENGTH)
    return `The specified topic is longer than topic max length ${MAX_TOPIC_LENGTH}.`;
  if (!NAME_PATTERN.test(topic))
    return `The specified topic[${topic}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`;
  return undefined;
}

export function queueCountOf(config: TopicConfig): number {
  return Math.max(config.readQueueNums, config.writeQueueNums);
}

export function newTopicConfig(
  topicName: string,
  queues: number,
  perm: number = Perm.READ | Perm.WRITE,
): TopicConfig {
  return {
    topicName,
    readQueueNums: queues,
    writeQueueNums: queues,
    perm,
    topicFilterType: 'SINGLE_TAG',
    topicSysFlag: 0,
    order: false,
  };
}

/** Reads one entry of a topics.json table, rejecting what is not a topic config. */
export function topicConfigFromJson(value: unknown): TopicConfig | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const name = v['topicName'];
  const read = Number(v['readQueueNums']);
  const write = Number(v['writeQueueNums']);
  if (typeof name !== 'string' || topicNameProblem(name)) return undefined;
  if (!Number.isInteger(read) || !Number.isInteger(write) || read < 0 || write < 0)
    return undefined;
  return {
    topicName: name,
    readQueueNums: read,
    writeQueueNums: write,
    perm: Number.isInteger(Number(v['perm'])) ? Number(v['perm']) : 6,
    topicFilterType: v['topicFilterType'] === 'MULTI_TAG' ? 'MULTI_TAG' : 'SINGLE_TAG',
    topicSysFlag: Number(v['topicSysFlag'] ?? v['topicSynFlag'] ?? 0) || 0,
    order: v['order'] === true || v['order'] === 'true',
  };
}
