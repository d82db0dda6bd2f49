/**
 * Topic administration for mqadmin-style tools and the console: UPDATE_AND_CREATE_TOPIC (17),
 * DELETE_TOPIC_IN_BROKER (215), GET_ALL_TOPIC_CONFIG (21), GET_TOPIC_STATS_INFO (202).
 * protocol/REMOTING.md 11.10.
 */
import type { RequestHandler } from '../../remoting/index.ts';
import {
  createResponse,
  optionalBool,
  optionalInt,
  optionalString,
  RequestCode,
  requireInt,
  requireString,
  ResponseCode,
  toFastJson,
} from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { topicNameProblem } from '../metadata/topic-config.ts';
import { bodyResponse } from './body-response.ts';
import { SCHEDULE_TOPIC } from '../../protocol/topic-names.ts';

const MAX_QUEUES = 1024;
const SYSTEM_TOPICS = new Set(['TBW102', SCHEDULE_TOPIC, 'SELF_TEST_TOPIC', 'OFFSET_MOVED_EVENT']);

export function topicAdminHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  return [
    [
      RequestCode.UPDATE_AND_CREATE_TOPIC,
      (request) => {
        const topic = requireString(request, 'topic');
        const problem = topicNameProblem(topic);
        if (problem) return createResponse(request, ResponseCode.SYSTEM_ERROR, problem);
        if (
          SYSTEM_TOPICS.has(topic) ||
          topic === ctx.config.brokerClusterName ||
          topic === ctx.config.brokerName
        )
          return createResponse(
            request,
            ResponseCode.SYSTEM_ERROR,
            `The topic[${topic}] is conflict with system topic.`,
          );
        if (ctx.config.brokerRole === 'SLAVE')
          return createResponse(
            request,
            ResponseCode.SYSTEM_ERROR,
            "Can't modify topic or subscription group from slave broker, please execute it from master broker.",
          );
        const readQueueNums = requireInt(request, 'readQueueNums');
        const writeQueueNums = requireInt(request, 'writeQueueNums');
        const perm = optionalInt(request, 'perm') ?? 6;
        for (const [name, value] of [
          ['readQueueNums', readQueueNums],
          ['writeQueueNums', writeQueueNums],
        ] as const) {
          if (value < 1 || value > MAX_QUEUES)
            return createResponse(
              request,
              ResponseCode.SYSTEM_ERROR,
              `${name} must be in [1, ${MAX_QUEUES}], got ${value}`,
            );
        }
        if (perm < 0 || perm > 7)
          return createResponse(
            request,
            ResponseCode.SYSTEM_ERROR,
            `perm must be in [0, 7], got ${perm}`,
          );
        const existing = ctx.topics.get(topic);
        if (
          existing &&
          (readQueueNums < existing.readQueueNums || writeQueueNums < existing.writeQueueNums)
        ) {
          // Queues keep their data and their shard; shrinking only hides them from routes.
          ctx.logger.warn({ topic, readQueueNums, writeQueueNums }, 'topic queue count reduced');
        }
        ctx.topics.upsert({
          topicName: topic,
          readQueueNums,
          writeQueueNums,
          perm,
          topicFilterType:
            optionalString(request, 'topicFilterType') === 'MULTI_TAG' ? 'MULTI_TAG' : 'SINGLE_TAG',
          topicSysFlag: optionalInt(request, 'topicSysFlag') ?? 0,
          order: optionalBool(request, 'order', false),
        });
        // Answer once the name servers route the topic (as RocketMQ registers before it
        // answers), so a send right after creation finds it instead of auto-creating elsewhere.
        return ctx.registered().then(() => createResponse(request));
      },
    ],
    [
      RequestCode.DELETE_TOPIC_IN_BROKER,
      async (request) => {
        const topic = requireString(request, 'topic');
        if (SYSTEM_TOPICS.has(topic))
          return createResponse(
            request,
            ResponseCode.SYSTEM_ERROR,
            `The topic[${topic}] is conflict with system topic.`,
          );
        ctx.topics.delete(topic);
        ctx.offsets.removeTopic(topic);
        await Promise.all(ctx.actors.controls().map((control) => control.deleteTopic(topic)));
        return createResponse(request);
      },
    ],
    [
      RequestCode.GET_ALL_TOPIC_CONFIG,
      (request) => bodyResponse(request, toFastJson(ctx.topics.serialize())),
    ],
    [
      RequestCode.GET_TOPIC_STATS_INFO,
      async (request) => {
        const topic = requireString(request, 'topic');
        const config = ctx.topics.get(topic);
        if (!config)
          return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${topic}] not exist`);
        const table = new Map<object, object>();
        for (let queueId = 0; queueId < config.writeQueueNums; queueId++) {
          const shard = ctx.topics.shardOf(topic, queueId);
          const control = ctx.actors.control(shard);
          const [minOffset, maxOffset] = await Promise.all([
            control.getMinOffset(shard, topic, queueId),
            control.getMaxOffset(shard, topic, queueId),
          ]);
          const lastUpdateTimestamp =
            maxOffset > 0
              ? ((await control.getStoreTimeAt(shard, topic, queueId, maxOffset - 1)) ?? 0)
              : 0;
          table.set(
            { brokerName: ctx.config.brokerName, queueId, topic },
            { lastUpdateTimestamp, maxOffset, minOffset },
          );
        }
        return bodyResponse(request, toFastJson({ offsetTable: table }));
      },
    ],
  ];
}
