/**
 * Client registration: HEART_BEAT (34), UNREGISTER_CLIENT (35), GET_CONSUMER_LIST_BY_GROUP
 * (38), CHECK_CLIENT_CONFIG (46). protocol/REMOTING.md 11.5.
 */
import type { RequestHandler } from '../../remoting/index.ts';
import {
  createResponse,
  optionalString,
  parseLenientJson,
  RequestCode,
  requireString,
  ResponseCode,
} from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { SQL92, sqlExpressionProblem } from '../filter/sql-filters.ts';
import type { ConsumerRegistration } from '../clients/client-registry.ts';
import { subscriptionFromJson } from '../clients/subscription.ts';
import { bodyResponse } from './body-response.ts';
import { RETRY_GROUP_TOPIC_PREFIX } from '../../protocol/topic-names.ts';
import type { SubscriptionData } from '../../protocol/wire-types.ts';

const MAX_HEARTBEAT_ENTRIES = 10_000;

interface HeartbeatBody {
  clientID?: unknown;
  consumerDataSet?: unknown;
  producerDataSet?: unknown;
}

export function clientHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  return [
    [
      RequestCode.HEART_BEAT,
      (request, connection) => {
        const body = request.body
          ? (parseLenientJson(request.body.toString('utf8')) as HeartbeatBody)
          : {};
        const clientId =
          typeof body.clientID === 'string' ? body.clientID : connection.remoteEndpoint;
        const channel = {
          connection,
          clientId,
          language: request.language,
          version: request.version,
          lastUpdateMs: Date.now(),
        };
        for (const consumer of listOf(body.consumerDataSet)) {
          const registration = consumerRegistration(consumer);
          if (!registration) continue;
          const groupConfig = ctx.groups.findOrCreate(registration.groupName);
          if (groupConfig && registration.messageModel === 'CLUSTERING') {
            ctx.topics.ensureTopic(
              RETRY_GROUP_TOPIC_PREFIX + registration.groupName,
              groupConfig.retryQueueNums,
            );
          }
          ctx.clients.registerConsumer(channel, registration);
        }
        for (const producer of listOf(body.producerDataSet)) {
          const name = (producer as { groupName?: unknown }).groupName;
          if (typeof name === 'string') ctx.clients.registerProducer(name, channel);
        }
        return createResponse(request);
      },
    ],
    [
      RequestCode.UNREGISTER_CLIENT,
      (request, connection) => {
        ctx.clients.unregister(
          connection,
          optionalString(request, 'producerGroup'),
          optionalString(request, 'consumerGroup'),
        );
        return createResponse(request);
      },
    ],
    [
      RequestCode.GET_CONSUMER_LIST_BY_GROUP,
      (request) => {
        const group = requireString(request, 'consumerGroup');
        const ids = ctx.clients.consumerIds(group);
        if (ids.length === 0)
          return createResponse(
            request,
            ResponseCode.SYSTEM_ERROR,
            `no consumer for this group, ${group}`,
          );
        return bodyResponse(request, JSON.stringify({ consumerIdList: ids }));
      },
    ],
    [
      RequestCode.CHECK_CLIENT_CONFIG,
      (request) => {
        const body = request.body
          ? (parseLenientJson(request.body.toString('utf8')) as { subscriptionData?: unknown })
          : {};
        const subscription = subscriptionFromJson(body.subscriptionData);
        if (!subscription || subscription.expressionType === 'TAG') return createResponse(request);
        if (subscription.expressionType !== SQL92 || !ctx.config.enablePropertyFilter)
          return createResponse(
            request,
            ResponseCode.SYSTEM_ERROR,
            'The broker does not support consumer to filter message by SQL92',
          );
        const problem = sqlExpressionProblem(subscription.subString);
        return problem
          ? createResponse(request, ResponseCode.SUBSCRIPTION_PARSE_FAILED, problem)
          : createResponse(request);
      },
    ],
  ];
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value.slice(0, MAX_HEARTBEAT_ENTRIES) : [];
}

function consumerRegistration(value: unknown): ConsumerRegistration | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['groupName'] !== 'string') return undefined;
  const subscriptions: SubscriptionData[] = [];
  for (const entry of listOf(v['subscriptionDataSet'])) {
    const subscription = subscriptionFromJson(entry);
    if (subscription) subscriptions.push(subscription);
  }
  const text = (key: string, fallback: string) =>
    typeof v[key] === 'string' ? (v[key] as string) : fallback;
  return {
    groupName: v['groupName'],
    consumeType: text('consumeType', 'CONSUME_PASSIVELY'),
    messageModel: text('messageModel', 'CLUSTERING'),
    consumeFromWhere: text('consumeFromWhere', 'CONSUME_FROM_LAST_OFFSET'),
    subscriptions,
  };
}
