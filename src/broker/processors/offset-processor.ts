/**
 * Consumer offsets and queue offset lookups: QUERY_CONSUMER_OFFSET (14),
 * UPDATE_CONSUMER_OFFSET (15), SEARCH_OFFSET_BY_TIMESTAMP (29), GET_MAX_OFFSET (30),
 * GET_MIN_OFFSET (31), GET_EARLIEST_MSG_STORETIME (32). protocol/REMOTING.md 11.3, 11.4.
 */
import type { RemotingCommand, RequestHandler } from '../../remoting/index.ts';
import {
  createResponse,
  RequestCode,
  requireInt,
  requireLong,
  requireString,
  ResponseCode,
} from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';

export function offsetHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  const queueOf = (request: RemotingCommand) => {
    const topic = requireString(request, 'topic');
    const queueId = requireInt(request, 'queueId');
    return { topic, queueId, shard: ctx.topics.shardOf(topic, queueId) };
  };
  const offsetResponse = (request: RemotingCommand, offset: number) =>
    createResponse(request, ResponseCode.SUCCESS, undefined, { offset: String(offset) });
  const known = (topic: string, queueId: number) => {
    const config = ctx.topics.get(topic);
    return (
      config !== undefined &&
      queueId >= 0 &&
      queueId < Math.max(config.readQueueNums, config.writeQueueNums)
    );
  };

  return [
    [
      RequestCode.QUERY_CONSUMER_OFFSET,
      async (request) => {
        const group = requireString(request, 'consumerGroup');
        const { topic, queueId, shard } = queueOf(request);
        const stored = ctx.offsets.query(group, topic, queueId);
        if (stored !== undefined) return offsetResponse(request, stored);
        // A queue that still starts at 0 lets a new group begin there (RocketMQ does the same
        // while the first message is in memory), so small topics are read from the start.
        const min = known(topic, queueId)
          ? await ctx.actors.control(shard).getMinOffset(shard, topic, queueId)
          : 0;
        if (min <= 0) return offsetResponse(request, 0);
        return createResponse(
          request,
          ResponseCode.QUERY_NOT_FOUND,
          'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first',
        );
      },
    ],
    [
      RequestCode.UPDATE_CONSUMER_OFFSET,
      (request) => {
        const group = requireString(request, 'consumerGroup');
        const topic = requireString(request, 'topic');
        ctx.offsets.commit(
          group,
          topic,
          requireInt(request, 'queueId'),
          requireLong(request, 'commitOffset'),
        );
        return createResponse(request);
      },
    ],
    [
      RequestCode.GET_MAX_OFFSET,
      async (request) => {
        const { topic, queueId, shard } = queueOf(request);
        if (!known(topic, queueId)) return offsetResponse(request, 0);
        return offsetResponse(
          request,
          await ctx.actors.control(shard).getMaxOffset(shard, topic, queueId),
        );
      },
    ],
    [
      RequestCode.GET_MIN_OFFSET,
      async (request) => {
        const { topic, queueId, shard } = queueOf(request);
        if (!known(topic, queueId)) return offsetResponse(request, 0);
        return offsetResponse(
          request,
          await ctx.actors.control(shard).getMinOffset(shard, topic, queueId),
        );
      },
    ],
    [
      RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
      async (request) => {
        const { topic, queueId, shard } = queueOf(request);
        const timestamp = requireLong(request, 'timestamp');
        if (!known(topic, queueId)) return offsetResponse(request, 0);
        return offsetResponse(
          request,
          await ctx.actors.control(shard).getOffsetByTime(shard, topic, queueId, timestamp),
        );
      },
    ],
    [
      RequestCode.GET_EARLIEST_MSG_STORETIME,
      async (request) => {
        const { topic, queueId, shard } = queueOf(request);
        const time = known(topic, queueId)
          ? await ctx.actors.control(shard).getEarliestStoreTime(shard, topic, queueId)
          : undefined;
        return createResponse(request, ResponseCode.SUCCESS, undefined, {
          timestamp: String(time ?? 0),
        });
      },
    ],
  ];
}
