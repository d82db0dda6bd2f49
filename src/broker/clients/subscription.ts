/** Tag subscriptions as RocketMQ clients express them (protocol/REMOTING.md 8.3, 13.6). */
import { javaStringHash } from '../../protocol/java-hash.ts';
import { splitTagExpression, SUBSCRIBE_ALL } from '../../protocol/wire-types.ts';
import type { SubscriptionData } from '../../protocol/wire-types.ts';

/** Parses `*`, `` or `A || B` into a subscription; SQL92 is kept as text. */
export function buildSubscription(
  topic: string,
  subString: string | undefined,
  expressionType = 'TAG',
  subVersion = Date.now(),
): SubscriptionData {
  const text = (subString ?? '').trim();
  const base = { topic, subVersion, expressionType, classFilterMode: false };
  if (expressionType !== 'TAG' || text === '' || text === SUBSCRIBE_ALL) {
    return { ...base, subString: text === '' ? SUBSCRIBE_ALL : text, tagsSet: [], codeSet: [] };
  }
  const tags = splitTagExpression(text);
  return {
    ...base,
    subString: text,
    tagsSet: tags,
    codeSet: tags.map((tag) => javaStringHash(tag)),
  };
}

/** Subscription data from a heartbeat body, defaults filled in, or undefined when unusable. */
export function subscriptionFromJson(value: unknown): SubscriptionData | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['topic'] !== 'string') return undefined;
  const expressionType = typeof v['expressionType'] === 'string' ? v['expressionType'] : 'TAG';
  const built = buildSubscription(
    v['topic'],
    typeof v['subString'] === 'string' ? v['subString'] : SUBSCRIBE_ALL,
    expressionType,
    Number(v['subVersion']) || 0,
  );
  return built;
}
