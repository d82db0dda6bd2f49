import { describe, expect, it } from 'vitest';
import { loadBrokerConfig, parseDelayLevels } from '../../../src/broker/broker-config.ts';

describe('broker config - messageDelayLevel', () => {
  it('defaults to RocketMQ 18 levels, 1s to 2h', () => {
    const { config } = loadBrokerConfig([]);
    const levels = parseDelayLevels(config.messageDelayLevel);
    expect(levels).toHaveLength(18);
    expect(levels.slice(0, 5)).toEqual([1000, 5000, 10_000, 30_000, 60_000]);
    expect(levels[17]).toBe(7_200_000);
  });

  it('parses every unit and extra spaces', () => {
    expect(parseDelayLevels(' 1s  2m 3h 1d ')).toEqual([1000, 120_000, 10_800_000, 86_400_000]);
  });

  it('rejects bad text with an error naming the key', () => {
    expect(() => loadBrokerConfig([['messageDelayLevel', '1s 5x']])).toThrow(/messageDelayLevel/);
    expect(() => parseDelayLevels('')).toThrow(/messageDelayLevel/);
    expect(() => parseDelayLevels(Array(19).fill('1s').join(' '))).toThrow(/1 to 18/);
    expect(() => parseDelayLevels('400d')).toThrow(/365d/);
  });
});
