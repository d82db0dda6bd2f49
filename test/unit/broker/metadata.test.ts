import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsumerOffsetManager } from '../../../src/broker/metadata/consumer-offset-manager.ts';
import { SubscriptionGroupManager } from '../../../src/broker/metadata/subscription-group-manager.ts';
import { TopicConfigManager } from '../../../src/broker/metadata/topic-config-manager.ts';
import { topicNameProblem } from '../../../src/broker/metadata/topic-config.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';
import { defaultSubscriptionGroupConfig } from '../../../src/protocol/wire-types.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function tempDir(): string {
  const dir = makeTempDir('metadata');
  cleanups.push(dir.remove);
  return dir.path;
}

function topicManager(configDirectory: string, storeShards = 4) {
  return new TopicConfigManager({
    configDirectory,
    storeShards,
    autoCreateTopicEnable: true,
    defaultTopicQueueNums: 8,
    clusterName: 'DefaultCluster',
    brokerName: 'broker-a',
  });
}

describe('broker metadata - topics, shards, groups and offsets on disk', () => {
  it('creates the system topics and auto-creates from TBW102 with its queue limit', () => {
    const topics = topicManager(tempDir());
    expect(topics.get('TBW102')).toMatchObject({ perm: 7, writeQueueNums: 8 });
    expect(topics.get('SCHEDULE_TOPIC_XXXX')?.readQueueNums).toBe(18);
    const created = topics.createFromTemplate('Orders', 'TBW102', 16);
    expect(created).toMatchObject({ readQueueNums: 8, writeQueueNums: 8, perm: 6 });
    expect(topics.createFromTemplate('Other', 'Orders', 4)).toBeUndefined();
  });

  it('keeps each queue in its shard across restarts, even if storeShards is given differently', () => {
    const dir = tempDir();
    const first = topicManager(dir);
    first.upsert({
      topicName: 'T',
      readQueueNums: 6,
      writeQueueNums: 6,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: false,
    });
    const shards = Array.from({ length: 6 }, (_, q) => first.shardOf('T', q));
    expect(new Set(shards).size).toBe(4);
    const reopened = topicManager(dir);
    expect(Array.from({ length: 6 }, (_, q) => reopened.shardOf('T', q))).toEqual(shards);
    expect(reopened.get('T')?.writeQueueNums).toBe(6);
    const stored = JSON.parse(readFileSync(join(dir, 'topics.json'), 'utf8')) as {
      topicConfigTable: object;
      dataVersion: { counter: number };
    };
    expect(Object.keys(stored.topicConfigTable)).toContain('T');
    expect(stored.dataVersion.counter).toBeGreaterThan(0);
  });

  it('validates topic names as RocketMQ does', () => {
    expect(topicNameProblem('Good_Topic-1%x|y')).toBeUndefined();
    expect(topicNameProblem('')).toMatch(/blank/);
    expect(topicNameProblem('a'.repeat(128))).toMatch(/longer than/);
    expect(topicNameProblem('bad topic')).toMatch(/illegal characters/);
  });

  it('stores offsets in fastjson form, ignores negative commits, and reads them back', async () => {
    const dir = tempDir();
    const offsets = new ConsumerOffsetManager(dir);
    offsets.commit('g', 'T', 0, 5);
    offsets.commit('g', 'T', 1, -1);
    offsets.commit('g', 'T', 3, 42);
    await offsets.persist();
    expect(readFileSync(join(dir, 'consumerOffset.json'), 'utf8')).toBe(
      '{"offsetTable":{"T@g":{0:5,3:42}}}',
    );
    const reopened = new ConsumerOffsetManager(dir);
    expect(reopened.query('g', 'T', 3)).toBe(42);
    expect(reopened.query('g', 'T', 1)).toBeUndefined();
    expect(reopened.topicsOf('g')).toEqual(['T']);
  });

  it('auto-creates groups only when allowed', () => {
    const dir = tempDir();
    expect(new SubscriptionGroupManager(dir, false).findOrCreate('g')).toBeUndefined();
    const groups = new SubscriptionGroupManager(dir, true);
    expect(groups.findOrCreate('g')).toMatchObject({ retryMaxTimes: 16, retryQueueNums: 1 });
    groups.flush();
    expect(new SubscriptionGroupManager(dir, false).get('g')?.groupName).toBe('g');
  });

  it('writes implicitly created groups together within a second, and explicit changes at once', () => {
    vi.useFakeTimers();
    try {
      const dir = tempDir();
      // Read the file itself: a second manager would write its own system groups.
      const onDisk = (): Record<string, { retryMaxTimes: number }> | undefined => {
        try {
          return JSON.parse(readFileSync(join(dir, 'subscriptionGroup.json'), 'utf8'))
            .subscriptionGroupTable;
        } catch {
          return undefined;
        }
      };
      const groups = new SubscriptionGroupManager(dir, true);
      for (let i = 0; i < 1000; i++) groups.findOrCreate(`g${i}`);
      expect(onDisk()).toBeUndefined();
      vi.advanceTimersByTime(1000);
      expect(Object.keys(onDisk()!)).toHaveLength(1003); // with the three system groups
      groups.findOrCreate('late');
      groups.upsert({ ...defaultSubscriptionGroupConfig('explicit'), retryMaxTimes: 3 });
      expect(onDisk()!['explicit']?.retryMaxTimes).toBe(3);
      expect(onDisk()!['late']).toBeDefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
