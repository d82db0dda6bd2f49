/**
 * Topic and group name rules and the reserved names (protocol/REMOTING.md 11.1, 14.7): RocketMQ's
 * TopicValidator and MixAll, which the SDK checks before sending and the broker and store again.
 */

/** The characters TopicValidator allows in a topic name, and the Java client in a group name. */
export const NAME_PATTERN = /^[%|a-zA-Z0-9_-]+$/;

/** A consumer group's retry topic is this prefix and the group name. */
export const RETRY_GROUP_TOPIC_PREFIX = '%RETRY%';
/** A consumer group's dead-letter topic is this prefix and the group name. */
export const DLQ_GROUP_TOPIC_PREFIX = '%DLQ%';

/** Where delay-level messages wait until due. */
export const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';

/** TopicValidator's NOT_ALLOWED_SEND_TOPIC_SET: broker-internal topics no producer may send to. */
export const NOT_ALLOWED_SEND_TOPICS: readonly string[] = [
  SCHEDULE_TOPIC,
  'RMQ_SYS_TRANS_HALF_TOPIC',
  'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  'TRANS_CHECK_MAX_TIME_TOPIC',
  'SELF_TEST_TOPIC',
  'OFFSET_MOVED_EVENT',
];
