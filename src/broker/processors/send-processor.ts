/**
 * SEND_MESSAGE (10), SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320): validate, resolve the
 * topic and queue, hand the message to the queue's actor, and answer when it is stored (and,
 * under SYNC_FLUSH, durable). protocol/REMOTING.md 11.1.
 */
import type { RemotingCommand, RemotingConnection } from '../../remoting/index.ts';
import { createResponse, RequestCode, ResponseCode } from '../../remoting/index.ts';
import type { SendAck } from '../actor/response-decoder.ts';
import type { SendMessagePart, SendRequest } from '../actor/request-encoder.ts';
import { SendStatus } from '../actor/ring-records.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { ipv4Bytes } from '../message-id.ts';
import type { TopicConfig } from '../metadata/topic-config.ts';
import {
  Perm,
  SEND_FORBIDDEN_TOPICS,
  queueCountOf,
  topicNameProblem,
} from '../metadata/topic-config.ts';
import { delayLevelsOf, scheduledDestination } from '../schedule/delay-levels.ts';
import { timerDestination } from '../schedule/timer-messages.ts';
import { decodeBatchBody } from '../../protocol/batch-body.ts';
import { MAX_PROPERTIES_BYTES } from '../../protocol/limits.ts';
import { readSendHeader } from './send-header.ts';
import type { SendHeader } from './send-header.ts';
import { DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX } from '../../protocol/topic-names.ts';

const MAX_REMEMBERED_TOPICS = 100_000;

/** Topic names already validated: the check is a regex, and the same few names recur. */
const validTopics = new Set<string>();
const peerAddresses = new WeakMap<RemotingConnection, [number, number, number, number]>();

function peerAddressOf(connection: RemotingConnection): [number, number, number, number] {
  let bytes = peerAddresses.get(connection);
  if (!bytes) {
    bytes = ipv4Bytes(connection.remoteAddress);
    peerAddresses.set(connection, bytes);
  }
  return bytes;
}
const WAIT_FALSE = 'WAIT\u0001false';

export function sendProcessor(ctx: BrokerContext) {
  return (
    request: RemotingCommand,
    connection: RemotingConnection,
  ): RemotingCommand | undefined => {
    const header = readSendHeader(request);
    if ((ctx.config.brokerPermission & Perm.WRITE) === 0)
      return createResponse(
        request,
        ResponseCode.NO_PERMISSION,
        `the broker[${ctx.config.brokerName}] sending message is forbidden`,
      );
    const problem = validTopics.has(header.topic) ? undefined : topicNameProblem(header.topic);
    if (problem) return createResponse(request, ResponseCode.SYSTEM_ERROR, problem);
    if (SEND_FORBIDDEN_TOPICS.has(header.topic))
      return createResponse(
        request,
        ResponseCode.NO_PERMISSION,
        `Sending message to topic[${header.topic}] is forbidden.`,
      );

    const body = request.body ?? Buffer.alloc(0);
    if (body.length > ctx.config.maxMessageSize)
      return createResponse(
        request,
        ResponseCode.MESSAGE_ILLEGAL,
        `the message body size ${body.length} is over the limit ${ctx.config.maxMessageSize}`,
      );
    if (
      header.properties.length > MAX_PROPERTIES_BYTES &&
      Buffer.byteLength(header.properties) > MAX_PROPERTIES_BYTES
    )
      return createResponse(
        request,
        ResponseCode.MESSAGE_ILLEGAL,
        `the message properties are longer than ${MAX_PROPERTIES_BYTES} bytes`,
      );

    if (validTopics.size < MAX_REMEMBERED_TOPICS) validTopics.add(header.topic);
    let topicConfig = resolveTopic(ctx, header);
    if (!topicConfig)
      return createResponse(
        request,
        ResponseCode.TOPIC_NOT_EXIST,
        `topic[${header.topic}] not exist, apply first please!`,
      );
    if ((topicConfig.perm & Perm.WRITE) === 0)
      return createResponse(
        request,
        ResponseCode.NO_PERMISSION,
        `the topic[${header.topic}] sending message is forbidden`,
      );

    let topic = header.topic;
    let queueId = header.queueId;
    if (queueId >= queueCountOf(topicConfig))
      return createResponse(
        request,
        ResponseCode.SYSTEM_ERROR,
        `request queueId[${queueId}] is illegal, topic:[${topic}] topicConfig.writeQueueNums:[${topicConfig.writeQueueNums}] consumer:[${connection.remoteEndpoint}]`,
      );
    if (queueId < 0) queueId = Math.floor(Math.random() * Math.max(1, topicConfig.writeQueueNums));

    if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
      const group = topic.slice(RETRY_GROUP_TOPIC_PREFIX.length);
      const groupConfig = ctx.groups.findOrCreate(group);
      if (!groupConfig)
        return createResponse(
          request,
          ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
          `subscription group not exist, ${group}`,
        );
      const maxTimes = header.maxReconsumeTimes ?? groupConfig.retryMaxTimes;
      if (header.reconsumeTimes >= maxTimes) {
        topic = DLQ_GROUP_TOPIC_PREFIX + group;
        topicConfig = ctx.topics.ensureTopic(topic, 1);
        queueId = 0;
      }
    }

    const isBatch = request.code === RequestCode.SEND_BATCH_MESSAGE || header.batch;
    let messages: SendMessagePart[];
    if (isBatch) {
      const decoded = decodeBatchBody(body, header.properties);
      if (typeof decoded === 'string')
        return createResponse(request, ResponseCode.MESSAGE_ILLEGAL, decoded);
      messages = decoded;
    } else {
      messages = [{ flag: header.flag, properties: header.properties, body }];
    }
    // Delayed single messages (not batches, not dead letters) wait in the schedule topic.
    let storeTopic = topic;
    let storeQueueId = queueId;
    if (!isBatch && !topic.startsWith(DLQ_GROUP_TOPIC_PREFIX)) {
      const scheduled = scheduledDestination(
        header.properties,
        topic,
        queueId,
        header.sysFlag,
        delayLevelsOf(ctx.config).length,
      );
      const timed =
        scheduled ??
        (ctx.config.timerWheelEnable
          ? timerDestination(
              header.properties,
              topic,
              queueId,
              header.sysFlag,
              Date.now(),
              ctx.config.timerMaxDelaySec * 1000,
            )
          : undefined);
      if (timed && 'error' in timed)
        return createResponse(request, ResponseCode.MESSAGE_ILLEGAL, timed.error);
      if (timed) {
        storeTopic = timed.topic;
        storeQueueId = timed.queueId;
        messages = [{ flag: header.flag, properties: timed.properties, body }];
      }
    }
    const sendRequest: SendRequest = {
      shard: ctx.topics.shardOf(storeTopic, storeQueueId),
      topic: storeTopic,
      queueId: storeQueueId,
      sysFlag: topicConfig.topicFilterType === 'MULTI_TAG' ? header.sysFlag | 2 : header.sysFlag,
      bornTimestamp: header.bornTimestamp,
      bornHost: peerAddressOf(connection),
      bornPort: connection.remotePort,
      reconsumeTimes: header.reconsumeTimes,
      waitDurable: !header.properties.includes(WAIT_FALSE),
      messages,
    };
    const accepted = ctx.actors.send(
      sendRequest,
      (ack) => {
        // Runs in the actor host's response loop, where a throw would lose the batch's answers.
        let response: RemotingCommand;
        try {
          response = sendResponse(ctx, request, ack, queueId);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          response = createResponse(request, ResponseCode.SYSTEM_ERROR, `send failed: ${reason}`);
        }
        connection.respond(request, response);
      },
      connection.id,
    );
    if (!accepted) {
      return createResponse(
        request,
        ResponseCode.SYSTEM_BUSY,
        '[REJECTREQUEST]system busy, start flow control for a while',
      );
    }
    ctx.stats.putMessages += messages.length;
    ctx.stats.putBytes += body.length;
    ctx.traffic.countIn(topic, messages.length, body.length);
    return undefined;
  };
}

function resolveTopic(ctx: BrokerContext, header: SendHeader): TopicConfig | undefined {
  const existing = ctx.topics.get(header.topic);
  if (existing) return existing;
  const created = ctx.topics.createFromTemplate(
    header.topic,
    header.defaultTopic,
    header.defaultTopicQueueNums,
  );
  if (created) return created;
  if (header.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX))
    return ctx.topics.ensureTopic(header.topic, 1);
  return undefined;
}

function sendResponse(
  ctx: BrokerContext,
  request: RemotingCommand,
  ack: SendAck,
  queueId: number,
): RemotingCommand {
  switch (ack.status) {
    case SendStatus.OK:
    case SendStatus.FLUSH_DISK_TIMEOUT: {
      const offsets = ack.physicalOffsets;
      const msgId =
        offsets.length === 1
          ? ctx.messageIds.offsetId(offsets[0]!)
          : offsets.map((offset) => ctx.messageIds.offsetId(offset)).join(',');
      return createResponse(
        request,
        ack.status === SendStatus.OK ? ResponseCode.SUCCESS : ResponseCode.FLUSH_DISK_TIMEOUT,
        undefined,
        {
          msgId,
          queueId: String(queueId),
          queueOffset: String(ack.firstQueueOffset),
          MSG_REGION: ctx.config.regionId,
          TRACE_ON: String(ctx.config.traceOn),
        },
      );
    }
    case SendStatus.MESSAGE_ILLEGAL:
      return createResponse(request, ResponseCode.MESSAGE_ILLEGAL, ack.remark);
    case SendStatus.SERVICE_NOT_AVAILABLE:
      return createResponse(
        request,
        ResponseCode.SERVICE_NOT_AVAILABLE,
        ack.remark || 'service not available now',
      );
    default:
      return createResponse(
        request,
        ResponseCode.SYSTEM_ERROR,
        ack.remark || 'storing the message failed',
      );
  }
}
