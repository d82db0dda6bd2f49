/**
 * CONSUMER_SEND_MSG_BACK (36): a consumer hands back a message it failed to consume. The
 * broker stores a copy in %RETRY%<group> (or %DLQ%<group> once reconsumeTimes reaches the
 * maximum), keeping the body, tags, keys and unique id, with RETRY_TOPIC and
 * ORIGIN_MESSAGE_ID added and reconsumeTimes + 1. REMOTING.md 11.6. The retry waits in the
 * schedule topic for its delay level (DELAY), then the schedule service delivers it.
 */
import { SLAVE_REFUSAL } from './send-processor.ts';
import type { RemotingCommand, RequestHandler } from '../../remoting/index.ts';
import {
  createResponse,
  optionalInt,
  RequestCode,
  requireInt,
  requireLong,
  requireString,
  ResponseCode,
} from '../../remoting/index.ts';
import { SendStatus } from '../actor/ring-records.ts';
import { delayLevelsOf, scheduledDestination } from '../schedule/delay-levels.ts';
import { readWaitingRecord } from '../schedule/scheduled-record.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { splitPhysicalOffset } from '../message-id.ts';
import { Perm } from '../metadata/topic-config.ts';
import { DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX } from '../../protocol/topic-names.ts';
import { checkRecord } from '../../protocol/message-record.ts';
import { encodeProperties } from '../../protocol/properties.ts';
import { MessageProperty } from '../../protocol/property-names.ts';

const MAX_DELAY_LEVEL = 18;

export function sendBackHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  return [
    [
      RequestCode.CONSUMER_SEND_MSG_BACK,
      (request) =>
        ctx.config.brokerRole === 'SLAVE'
          ? createResponse(request, ResponseCode.SERVICE_NOT_AVAILABLE, SLAVE_REFUSAL)
          : sendBack(ctx, request),
    ],
  ];
}

async function sendBack(ctx: BrokerContext, request: RemotingCommand): Promise<RemotingCommand> {
  const group = requireString(request, 'group');
  const offset = requireLong(request, 'offset');
  const delayLevel = requireInt(request, 'delayLevel');
  const groupConfig = ctx.groups.findOrCreate(group);
  if (!groupConfig)
    return createResponse(
      request,
      ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
      `subscription group not exist, ${group}`,
    );
  if ((ctx.config.brokerPermission & Perm.WRITE) === 0)
    return createResponse(
      request,
      ResponseCode.NO_PERMISSION,
      `the broker[${ctx.config.brokerName}] sending message is forbidden`,
    );
  if (groupConfig.retryQueueNums <= 0) return createResponse(request);

  const { shard, local } = splitPhysicalOffset(offset);
  const bytes =
    shard < ctx.config.storeShards
      ? await ctx.actors.control(shard).readMessageAt(shard, local)
      : undefined;
  const record = bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : undefined;
  const check = record ? checkRecord(record, 0, record.length, false) : undefined;
  if (!record || check?.kind !== 'message') {
    return createResponse(
      request,
      ResponseCode.SYSTEM_ERROR,
      `look message by offset failed, ${offset}`,
    );
  }
  const stored = readWaitingRecord(record, check.record);
  const reconsumeTimes = stored.reconsumeTimes;
  const properties = stored.properties;
  properties[MessageProperty.RETRY_TOPIC] ??= check.record.topic;
  // As Apache's broker: the first stored copy's offset id, whatever originMsgId the client sent.
  properties[MessageProperty.ORIGIN_MESSAGE_ID] ??= ctx.messageIds.offsetId(offset);

  const maxTimes = optionalInt(request, 'maxReconsumeTimes') ?? groupConfig.retryMaxTimes;
  let topic = RETRY_GROUP_TOPIC_PREFIX + group;
  let queueId: number;
  if (reconsumeTimes >= maxTimes || delayLevel < 0) {
    topic = DLQ_GROUP_TOPIC_PREFIX + group;
    ctx.topics.ensureTopic(topic, 1);
    queueId = 0;
    delete properties[MessageProperty.DELAY];
  } else {
    const retryConfig = ctx.topics.ensureTopic(topic, groupConfig.retryQueueNums);
    queueId = Math.floor(Math.random() * Math.max(1, retryConfig.writeQueueNums));
    properties[MessageProperty.DELAY] = String(
      Math.min(MAX_DELAY_LEVEL, delayLevel === 0 ? 3 + reconsumeTimes : delayLevel),
    );
  }
  let encoded = encodeProperties(properties);
  const scheduled = topic.startsWith(DLQ_GROUP_TOPIC_PREFIX)
    ? undefined
    : scheduledDestination(encoded, topic, queueId, 0, delayLevelsOf(ctx.config).length);
  if (scheduled) {
    topic = scheduled.topic;
    queueId = scheduled.queueId;
    encoded = scheduled.properties;
  }
  const copy = stored.resend(topic, queueId, encoded);
  return new Promise((resolve) => {
    const accepted = ctx.actors.send(
      {
        ...copy,
        shard: ctx.topics.shardOf(topic, queueId),
        reconsumeTimes: reconsumeTimes + 1,
        waitDurable: true,
      },
      (ack) =>
        resolve(
          ack.status === SendStatus.OK
            ? createResponse(request)
            : createResponse(
                request,
                ResponseCode.SYSTEM_ERROR,
                ack.remark || 'storing the retry message failed',
              ),
        ),
    );
    if (!accepted)
      resolve(createResponse(request, ResponseCode.SYSTEM_BUSY, '[REJECTREQUEST]system busy'));
  });
}
