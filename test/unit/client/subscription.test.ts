import { describe, expect, it } from 'vitest';
import type { MessageExt } from '../../../src/client/core/message.ts';
import {
  buildSubscription,
  matchesSubscription,
  restoreRetryTopic,
} from '../../../src/client/consumer/subscription.ts';
import { javaStringHash } from '../../../src/protocol/java-hash.ts';

describe('subscription - tag expressions', () => {
  it('subscription - hashes tags as Java String.hashCode', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('A')).toBe(65);
    expect(javaStringHash('TagA')).toBe(2598919);
    expect(javaStringHash('hello')).toBe(99162322);
    // Wraps past 2^31 like a Java int ("Hello World".hashCode() in Java).
    expect(javaStringHash('Hello World')).toBe(-862545276);
  });

  it('subscription - builds SubscriptionData for *, one tag and a tag list', () => {
    expect(buildSubscription('T', '*', 5)).toEqual({
      classFilterMode: false,
      codeSet: [],
      expressionType: 'TAG',
      subString: '*',
      subVersion: 5,
      tagsSet: [],
      topic: 'T',
    });
    expect(buildSubscription('T', '', 5).subString).toBe('*');
    const listed = buildSubscription('T', ' A || B ||A', 5);
    expect(listed.tagsSet).toEqual(['A', 'B']);
    expect(listed.codeSet).toEqual([65, 66]);
    expect(() => buildSubscription('T', '||')).toThrow(/names no tag/);
  });

  it('subscription - re-checks tag strings and restores retried topics', () => {
    const message = {
      tags: 'B',
      topic: '%RETRY%G',
      properties: { RETRY_TOPIC: 'T' },
    } as unknown as MessageExt;
    expect(matchesSubscription(buildSubscription('T', 'A || B'), message)).toBe(true);
    expect(matchesSubscription(buildSubscription('T', 'A'), message)).toBe(false);
    expect(matchesSubscription(buildSubscription('T', 'A'), { ...message, tags: undefined })).toBe(
      false,
    );
    expect(matchesSubscription(buildSubscription('T', '*'), { ...message, tags: undefined })).toBe(
      true,
    );
    restoreRetryTopic(message, 'Other');
    expect(message.topic).toBe('%RETRY%G');
    restoreRetryTopic(message, 'G');
    expect(message.topic).toBe('T');
  });
});
