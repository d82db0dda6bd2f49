import { describe, expect, it } from 'vitest';
import { BrokerStats, SAMPLE_INTERVAL_MS } from '../../../src/broker/coordinator/broker-stats.ts';
import { formatRuntime } from '../../../src/broker/processors/broker-info-processor.ts';

describe('BrokerStats', () => {
  it('rates a counter over 10 s, 1 min and 10 min from its samples', () => {
    const boot = Date.UTC(2026, 0, 10, 12, 0, 0);
    const stats = new BrokerStats(boot);
    // 1 message a second for 10 minutes, sampled as the broker samples.
    for (let t = SAMPLE_INTERVAL_MS; t <= 600_000; t += SAMPLE_INTERVAL_MS) {
      stats.putMessages += SAMPLE_INTERVAL_MS / 1000;
      stats.sample(boot + t);
    }
    expect(stats.rates('putMessages', boot + 600_000)).toBe('1 1 1');
    // Then 100 in the last 10 s.
    stats.putMessages += 100;
    stats.sample(boot + 610_000);
    expect(stats.rate('putMessages', 10, boot + 610_000)).toBe(10);
    expect(stats.rate('putMessages', 60, boot + 610_000)).toBeCloseTo((60 - 10 + 100) / 60, 6);
    expect(stats.rate('getMisses', 600, boot + 610_000)).toBe(0);
  });

  it('takes the counters as the day begins for the today and yesterday marks', () => {
    const evening = new Date(2026, 0, 10, 23, 59, 50).getTime();
    const stats = new BrokerStats(evening);
    stats.putMessages = 7;
    stats.getTransferredMessages = 3;
    stats.sample(evening + SAMPLE_INTERVAL_MS);
    expect(stats.mornings().today.putMessages).toBe(7);
    expect(stats.mornings().yesterday.putMessages).toBe(0);
    stats.putMessages = 9;
    stats.sample(evening + 2 * SAMPLE_INTERVAL_MS);
    expect(stats.mornings().today.putMessages).toBe(7);
    stats.putMessages = 20;
    stats.sample(evening + 24 * 3600_000 + 2 * SAMPLE_INTERVAL_MS);
    expect(stats.mornings().today.putMessages).toBe(20);
    expect(stats.mornings().yesterday.putMessages).toBe(7);
    expect(stats.mornings().yesterday.getTransferredMessages).toBe(3);
  });

  it('formats the uptime as RocketMQ does', () => {
    expect(formatRuntime(7_400)).toBe('[ 0 days, 0 hours, 0 minutes, 7 seconds ]');
    expect(formatRuntime(((2 * 24 + 3) * 3600 + 4 * 60 + 5) * 1000)).toBe(
      '[ 2 days, 3 hours, 4 minutes, 5 seconds ]',
    );
  });
});
