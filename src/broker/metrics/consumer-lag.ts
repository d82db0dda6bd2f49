/**
 * Backlog per consumer group and topic at scrape time: the broker's max offset minus the
 * group's committed offset, summed over the topic's read queues (RocketMQ's consumerProgress
 * "diff"; a queue with no commit counts from 0). Work is bounded: at most MAX_LAG_SERIES
 * (group, topic) pairs and MAX_LAG_QUEUES queues, with one control-plane call per shard and
 * chunk of MAX_OFFSET_QUERIES queues.
 */
import { MAX_OFFSET_QUERIES } from '../actor/actor-control.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';

export const MAX_LAG_SERIES = 10_000;
export const MAX_LAG_QUEUES = 200_000;

export type LagSources = Pick<BrokerContext, 'groups' | 'offsets' | 'topics' | 'actors'>;

export interface LagSeries {
  group: string;
  topic: string;
  lag: number;
}

interface Pair {
  group: string;
  topic: string;
  queues: number;
}

export async function consumerLag(
  sources: LagSources,
  maxSeries = MAX_LAG_SERIES,
  maxQueues = MAX_LAG_QUEUES,
): Promise<LagSeries[]> {
  const pairs: Pair[] = [];
  const queuesByTopic = new Map<string, number>();
  let queueTotal = 0;
  scan: for (const { groupName } of sources.groups.all()) {
    for (const topic of sources.offsets.topicsOf(groupName)) {
      if (pairs.length >= maxSeries) break scan;
      const config = sources.topics.get(topic);
      if (!config) continue;
      const queues = config.readQueueNums;
      if (!queuesByTopic.has(topic)) {
        if (queueTotal + queues > maxQueues) continue;
        queuesByTopic.set(topic, queues);
        queueTotal += queues;
      }
      pairs.push({ group: groupName, topic, queues });
    }
  }
  const maxOffsets = await readMaxOffsets(sources, queuesByTopic);
  return pairs.map(({ group, topic, queues }) => {
    const committed = sources.offsets.queuesOf(group, topic);
    const max = maxOffsets.get(topic)!;
    let lag = 0;
    for (let queueId = 0; queueId < queues; queueId++)
      lag += Math.max(0, (max[queueId] ?? 0) - (committed?.get(queueId) ?? 0));
    return { group, topic, lag };
  });
}

/** Topic -> max offset of each read queue, asked of each shard's actor in chunks. */
async function readMaxOffsets(
  sources: LagSources,
  queuesByTopic: ReadonlyMap<string, number>,
): Promise<Map<string, number[]>> {
  const byShard = new Map<number, Array<[number, string, number]>>();
  const result = new Map<string, number[]>();
  for (const [topic, queues] of queuesByTopic) {
    result.set(topic, new Array<number>(queues).fill(0));
    for (let queueId = 0; queueId < queues; queueId++) {
      const shard = sources.topics.shardOf(topic, queueId);
      let list = byShard.get(shard);
      if (!list) byShard.set(shard, (list = []));
      list.push([shard, topic, queueId]);
    }
  }
  const calls: Array<Promise<void>> = [];
  for (const [shard, list] of byShard) {
    for (let start = 0; start < list.length; start += MAX_OFFSET_QUERIES) {
      const chunk = list.slice(start, start + MAX_OFFSET_QUERIES);
      calls.push(
        sources.actors
          .control(shard)
          .maxOffsets(chunk)
          .then((offsets) => {
            for (let i = 0; i < chunk.length; i++) {
              const [, topic, queueId] = chunk[i]!;
              result.get(topic)![queueId] = Math.max(0, offsets[i] ?? 0);
            }
          }),
      );
    }
  }
  await Promise.all(calls);
  return result;
}
