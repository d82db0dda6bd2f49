import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timerDestination } from '../../../src/broker/schedule/timer-messages.ts';
import { timerPolicy, timerQueueFor } from '../../../src/broker/schedule/wait-policy.ts';
import type { WaitingMessage } from '../../../src/broker/schedule/scheduled-record.ts';
import { decodeProperties, encodeProperties } from '../../../src/protocol/properties.ts';

const NOW = 1_700_000_000_000;
const WEEK_MS = 7 * 24 * 3600 * 1000;

function waiting(properties: Record<string, string>, storeTimestamp: number): WaitingMessage {
  return {
    storeTimestamp,
    queueOffset: 0,
    reconsumeTimes: 0,
    properties,
    resend: () => {
      throw new Error('not used');
    },
  };
}

describe('broker timer - send path rewrite', () => {
  it('stores a future TIMER_DELIVER_MS / TIMER_DELAY_SEC / TIMER_DELAY_MS message in the queue of its highest bit', () => {
    const at = timerDestination(
      encodeProperties({ TAGS: 'A', TIMER_DELIVER_MS: String(NOW + 1500) }),
      'TopicA',
      3,
      0,
      NOW,
      WEEK_MS,
    );
    expect(at).toMatchObject({ topic: 'rmq_sys_wheel_timer', queueId: 10 });
    expect(decodeProperties((at as { properties: string }).properties)).toEqual({
      TAGS: 'A',
      TIMER_DELIVER_MS: String(NOW + 1500),
      TIMER_OUT_MS: String(NOW + 1500),
      REAL_TOPIC: 'TopicA',
      REAL_QID: '3',
    });
    const sec = timerDestination(
      encodeProperties({ TIMER_DELAY_SEC: '2' }),
      'T',
      0,
      0,
      NOW,
      WEEK_MS,
    );
    expect(sec).toMatchObject({ queueId: 10 });
    const ms = timerDestination(encodeProperties({ TIMER_DELAY_MS: '1' }), 'T', 0, 0, NOW, WEEK_MS);
    expect(ms).toMatchObject({ queueId: 0 });
  });

  it('leaves past, level-delayed, prepared and unmarked messages alone; refuses bad values and long delays', () => {
    const plain = (props: Record<string, string>, sysFlag = 0) =>
      timerDestination(encodeProperties(props), 'T', 0, sysFlag, NOW, WEEK_MS);
    expect(plain({ TAGS: 'A' })).toBeUndefined();
    expect(plain({ TIMER_DELIVER_MS: String(NOW) })).toBeUndefined();
    expect(plain({ TIMER_DELAY_SEC: '0' })).toBeUndefined();
    expect(plain({ TIMER_DELAY_SEC: '5', DELAY: '2' })).toBeUndefined();
    expect(plain({ TIMER_DELAY_SEC: '5' }, 0x04)).toBeUndefined();
    expect(plain({ TIMER_DELAY_SEC: 'soon' })).toEqual({
      error: "timer message illegal, property TIMER_DELAY_SEC must be an integer, got 'soon'",
    });
    expect(plain({ TIMER_DELIVER_MS: String(NOW + WEEK_MS + 1) })).toEqual({
      error: `timer message illegal, the delay time should not be bigger than the max delay ${WEEK_MS}ms`,
    });
    expect(plain({ TIMER_DELIVER_MS: String(NOW + WEEK_MS) })).toMatchObject({ queueId: 29 });
  });
});

describe('broker timer - the wheel of queues', () => {
  it('picks the queue of the highest set bit, capped at the last queue', () => {
    expect(timerQueueFor(1)).toBe(0);
    expect(timerQueueFor(2)).toBe(1);
    expect(timerQueueFor(3)).toBe(1);
    expect(timerQueueFor(1024)).toBe(10);
    expect(timerQueueFor(2 ** 29)).toBe(29);
    expect(timerQueueFor(2 ** 40)).toBe(29);
  });

  it('delivers any delay below 2^30 ms no earlier than due, after at most one hop per bit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 - 1 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 40, maxLength: 40 }),
        (delay, lags) => {
          const due = NOW + delay;
          let queueId = timerQueueFor(delay);
          let stored = NOW + lags[0]!;
          for (let hop = 1; hop <= 31; hop++) {
            const message = waiting(
              { TIMER_OUT_MS: String(due), REAL_TOPIC: 'T', REAL_QID: '1' },
              stored,
            );
            const ready = timerPolicy.readyAt(message, queueId);
            // The queue's hold never overshoots the delivery time by more than the store lag.
            expect(ready).toBeLessThanOrEqual(due + lags[hop - 1]!);
            const next = timerPolicy.next(message, ready)!;
            if (next.topic === 'T') {
              expect(ready).toBeGreaterThanOrEqual(due);
              expect(next.queueId).toBe(1);
              expect(hop).toBeLessThanOrEqual(30);
              return;
            }
            expect(next.queueId).toBeLessThan(queueId);
            queueId = next.queueId;
            stored = ready + lags[hop]!;
          }
          throw new Error('never delivered');
        },
      ),
      { numRuns: 500 },
    );
  });
});
