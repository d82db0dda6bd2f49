/**
 * Tag subscriptions as consumers register them (protocol/REMOTING.md 8.3, 13.6): the
 * expression `*` (or empty) takes every message, `A || B` the listed tags; the broker filters
 * by the Java hash of each tag (codeSet) and the client checks the tag strings again, since
 * hashes collide. Retry topics follow `%RETRY%<group>` (14.7).
 */
import { InvalidArgumentError } from '../core/errors.ts';
import type { MessageExt } from '../core/message.ts';
import { javaStringHash } from '../../protocol/java-hash.ts';
import { MessageProperty } from '../../protocol/property-names.ts';
import { MAX_GROUP_LENGTH, MAX_TOPIC_LENGTH } from '../../protocol/limits.ts';
import { NAME_PATTERN, RETRY_GROUP_TOPIC_PREFIX } from '../../protocol/topic-names.ts';
import { splitTagExpression, SUBSCRIBE_ALL } from '../../protocol/wire-types.ts';
import type { SubscriptionData } from '../../protocol/wire-types.ts';

const MAX_EXPRESSION_CHARS = 16 * 1024;

/**
 * What a consumer subscribes with: a tag expression ('*', 'A', 'A || B'), or `{ sql }`, a
 * SQL92 condition on message properties (RocketMQ's MessageSelector.bySql), which the broker
 * evaluates when it has enablePropertyFilter=true.
 */
export type SubscriptionExpression = string | { sql: string };

export function buildSubscription(
  topic: string,
  selector: SubscriptionExpression = SUBSCRIBE_ALL,
  nowMs = Date.now(),
): SubscriptionData {
  if (typeof selector === 'object' && selector !== null)
    return sqlSubscription(topic, selector.sql, nowMs);
  const expression = selector;
  if (typeof expression !== 'string' || expression.length > MAX_EXPRESSION_CHARS)
    throw new InvalidArgumentError(
      `subscription expression for topic ${topic} must be a string of at most ${MAX_EXPRESSION_CHARS} characters`,
    );
  const trimmed = expression.trim();
  const all = trimmed === '' || trimmed === SUBSCRIBE_ALL;
  const tags = all ? [] : [...new Set(splitTagExpression(trimmed))];
  if (!all && tags.length === 0)
    throw new InvalidArgumentError(
      `subscription expression ${JSON.stringify(expression)} for topic ${topic} names no tag`,
    );
  return {
    classFilterMode: false,
    codeSet: tags.map((tag) => javaStringHash(tag)),
    expressionType: 'TAG',
    subString: all ? SUBSCRIBE_ALL : trimmed,
    subVersion: nowMs,
    tagsSet: tags,
    topic,
  };
}

function sqlSubscription(topic: string, sql: unknown, nowMs: number): SubscriptionData {
  if (typeof sql !== 'string' || sql.trim() === '' || sql.length > MAX_EXPRESSION_CHARS)
    throw new InvalidArgumentError(
      `sql subscription for topic ${topic} must be a non-empty string of at most ${MAX_EXPRESSION_CHARS} characters`,
    );
  return {
    classFilterMode: false,
    codeSet: [],
    expressionType: 'SQL92',
    subString: sql.trim(),
    subVersion: nowMs,
    tagsSet: [],
    topic,
  };
}

/**
 * The client-side re-check after a pull: with a tag list, a message passes only when its tag is
 * listed (a message without a tag does not pass, as in the Java client).
 */
export function matchesSubscription(subscription: SubscriptionData, message: MessageExt): boolean {
  if (subscription.tagsSet.length === 0) return true;
  return message.tags !== undefined && subscription.tagsSet.includes(message.tags);
}

export function retryTopicOf(group: string): string {
  return RETRY_GROUP_TOPIC_PREFIX + group;
}

export function isRetryTopic(topic: string): boolean {
  return topic.startsWith(RETRY_GROUP_TOPIC_PREFIX);
}

/**
 * A message pulled from the group's retry topic gets its original topic back (RETRY_TOPIC), so
 * listeners see the topic they subscribed to.
 */
export function restoreRetryTopic(message: MessageExt, group: string): void {
  const original = message.properties[MessageProperty.RETRY_TOPIC];
  if (original !== undefined && message.topic === retryTopicOf(group)) message.topic = original;
}

export function validateGroup(group: unknown): string {
  if (typeof group !== 'string' || group.length > MAX_GROUP_LENGTH || !NAME_PATTERN.test(group))
    throw new InvalidArgumentError(
      `options.group must be 1-255 characters of [%|a-zA-Z0-9_-], got ${JSON.stringify(group)}`,
    );
  return group;
}

export function validateTopic(topic: unknown): string {
  if (typeof topic !== 'string' || topic.length > MAX_TOPIC_LENGTH || !NAME_PATTERN.test(topic))
    throw new InvalidArgumentError(
      `topic must be 1-127 characters of [%|a-zA-Z0-9_-], got ${JSON.stringify(topic)}`,
    );
  return topic;
}
