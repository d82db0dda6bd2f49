/**
 * Consumer-group administration and progress for admin tools and the console:
 * UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200), GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201),
 * DELETE_SUBSCRIPTIONGROUP (207), GET_ALL_CONSUMER_OFFSET (43), GET_CONSUME_STATS (208),
 * GET_CONSUMER_CONNECTION_LIST (203), GET_PRODUCER_CONNECTION_LIST (204),
 * QUERY_TOPIC_CONSUME_BY_WHO (300). protocol/REMOTING.md 11.10, 11.11.
 */
import type { RemotingCommand, RequestHandler } from '../../remoting/index.ts';
import {
  createResponse,
  optionalBool,
  optionalString,
  parseLenientJson,
  RequestCode,
  requireString,
  ResponseCode,
  toFastJson,
} from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import type { ClientChannel } from '../clients/client-registry.ts';
import { bodyResponse } from './body-response.ts';
import type { SubscriptionGroupConfig } from '../../protocol/wire-types.ts';

const json = (request: RemotingCommand, value: unknown) => bodyResponse(request, toFastJson(value));

function connections(channels: Iterable<ClientChannel>) {
  return [...channels].map((channel) => ({
    clientAddr: channel.connection.remoteEndpoint,
    clientId: channel.clientId,
    language: channel.language,
    version: channel.version,
  }));
}

export function groupAdminHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  return [
    [
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      (request) => {
        const body = request.body
          ? (parseLenientJson(request.body.toString('utf8')) as Partial<SubscriptionGroupConfig>)
          : undefined;
        if (!body || typeof body.groupName !== 'string' || body.groupName.length === 0)
          return createResponse(
            request,
            ResponseCode.SYSTEM_ERROR,
            'the body must be a SubscriptionGroupConfig with a groupName',
          );
        ctx.groups.upsert(body as SubscriptionGroupConfig);
        return createResponse(request);
      },
    ],
    [
      RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
      (request) => json(request, ctx.groups.serialize()),
    ],
    [
      RequestCode.DELETE_SUBSCRIPTIONGROUP,
      (request) => {
        const group = requireString(request, 'groupName');
        ctx.groups.delete(group);
        if (optionalBool(request, 'removeOffset', false)) ctx.offsets.removeGroup(group);
        return createResponse(request);
      },
    ],
    [
      RequestCode.GET_ALL_CONSUMER_OFFSET,
      (request) => bodyResponse(request, ctx.offsets.serialize()),
    ],
    [
      RequestCode.GET_CONSUME_STATS,
      async (request) => {
        const group = requireString(request, 'consumerGroup');
        const only = optionalString(request, 'topic');
        const topics = only ? [only] : ctx.offsets.topicsOf(group);
        const table = new Map<object, object>();
        for (const topic of topics) {
          const config = ctx.topics.get(topic);
          if (!config) continue;
          for (let queueId = 0; queueId < config.readQueueNums; queueId++) {
            const shard = ctx.topics.shardOf(topic, queueId);
            const control = ctx.actors.control(shard);
            const brokerOffset = await control.getMaxOffset(shard, topic, queueId);
            const consumerOffset = ctx.offsets.query(group, topic, queueId) ?? 0;
            const lastTimestamp =
              consumerOffset > 0
                ? ((await control.getStoreTimeAt(shard, topic, queueId, consumerOffset - 1)) ?? 0)
                : 0;
            table.set(
              { brokerName: ctx.config.brokerName, queueId, topic },
              { brokerOffset, consumerOffset, lastTimestamp },
            );
          }
        }
        return json(request, { consumeTps: 0, offsetTable: table });
      },
    ],
    [
      RequestCode.GET_CONSUMER_CONNECTION_LIST,
      (request) => {
        const group = requireString(request, 'consumerGroup');
        const info = ctx.clients.consumers.get(group);
        if (!info || info.channels.size === 0)
          return createResponse(
            request,
            ResponseCode.CONSUMER_NOT_ONLINE,
            `the consumer group[${group}] not online`,
          );
        return json(request, {
          connectionSet: connections(info.channels.values()),
          consumeFromWhere: info.consumeFromWhere,
          consumeType: info.consumeType,
          messageModel: info.messageModel,
          subscriptionTable: Object.fromEntries(info.subscriptions),
        });
      },
    ],
    [
      RequestCode.GET_PRODUCER_CONNECTION_LIST,
      (request) => {
        const group = requireString(request, 'producerGroup');
        const channels = ctx.clients.producers.get(group);
        if (!channels || channels.size === 0)
          return createResponse(
            request,
            ResponseCode.SYSTEM_ERROR,
            `the producer group[${group}] not exist`,
          );
        return json(request, { connectionSet: connections(channels.values()) });
      },
    ],
    [
      RequestCode.QUERY_TOPIC_CONSUME_BY_WHO,
      (request) => {
        const topic = requireString(request, 'topic');
        const groups = new Set(ctx.offsets.groupsOf(topic));
        for (const [name, info] of ctx.clients.consumers)
          if (info.subscriptions.has(topic)) groups.add(name);
        return json(request, { groupList: [...groups] });
      },
    ],
  ];
}
