/**
 * INVOKE_BROKER_TO_RESET_OFFSET (222, protocol/REMOTING.md 11.10): an operator moves a group's
 * offsets of one topic to a point in time, and the broker pushes the new positions to every
 * connected member with RESET_CONSUMER_CLIENT_OFFSET (220, section 12), which apply and commit
 * them. The broker's own table changes through those commits, as in RocketMQ.
 */
import type { RemotingCommand, RequestHandler } from '../../remoting/index.ts';
import {
  createRequest,
  createResponse,
  optionalBool,
  RequestCode,
  requireLong,
  requireString,
  ResponseCode,
  toFastJson,
} from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { bodyResponse } from './body-response.ts';

/** Fields in fastjson's (alphabetical) order, as ResetOffsetBodyForC lists them. */
interface QueueReset {
  brokerName: string;
  offset: number;
  queueId: number;
  topic: string;
}

/** ResetOffsetBody (MessageQueue object keys) or, for C++ clients, ResetOffsetBodyForC (a list). */
function resetBody(resets: readonly QueueReset[], listForm: boolean): Buffer {
  if (listForm) return Buffer.from(toFastJson({ offsetTable: resets }));
  const table = new Map<object, number>();
  for (const { brokerName, queueId, topic, offset } of resets)
    table.set({ brokerName, queueId, topic }, offset);
  return Buffer.from(toFastJson({ offsetTable: table }));
}

const isCpp = (language: string) => language === 'CPP';

export function resetOffsetHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  const fail = (request: RemotingCommand, code: number, remark: string) =>
    createResponse(request, code, remark);
  return [
    [
      RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
      async (request) => {
        const topic = requireString(request, 'topic');
        const group = requireString(request, 'group');
        const timestamp = requireLong(request, 'timestamp');
        const force = optionalBool(request, 'isForce', true);
        const config = ctx.topics.get(topic);
        // Codes and remarks are RocketMQ's Broker2Client.resetOffset, typo included.
        if (!config)
          return fail(
            request,
            ResponseCode.TOPIC_NOT_EXIST,
            `[reset-offset] reset offset failed, no topic in this broker. topic=${topic}`,
          );
        const resets: QueueReset[] = [];
        for (let queueId = 0; queueId < config.writeQueueNums; queueId++) {
          const committed = ctx.offsets.query(group, topic, queueId);
          if (committed === undefined)
            return fail(
              request,
              ResponseCode.SYSTEM_ERROR,
              `THe consumer group <${group}> not exist`,
            );
          const shard = ctx.topics.shardOf(topic, queueId);
          const control = ctx.actors.control(shard);
          const found =
            timestamp === -1
              ? await control.getMaxOffset(shard, topic, queueId)
              : await control.getOffsetByTime(shard, topic, queueId, timestamp);
          resets.push({
            brokerName: ctx.config.brokerName,
            offset: force || Math.max(0, found) < committed ? Math.max(0, found) : committed,
            queueId,
            topic,
          });
        }
        const info = ctx.clients.consumers.get(group);
        const channels = info ? [...info.channels.values()] : [];
        const live = channels.filter((channel) => !channel.connection.closed);
        if (live.length === 0)
          return fail(
            request,
            ResponseCode.CONSUMER_NOT_ONLINE,
            `Consumer not online, so can not reset offset, Group: ${group} Topic: ${topic} Timestamp: ${timestamp}`,
          );
        const fields = { topic, group, timestamp: String(timestamp), isForce: String(force) };
        const requesterCpp = isCpp(request.language);
        for (const channel of live) {
          const body = resetBody(resets, requesterCpp || isCpp(channel.language));
          channel.connection.invokeOneway(
            createRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, fields, body),
          );
        }
        ctx.logger.info(
          { topic, group, timestamp, force, consumers: live.length },
          'reset the offsets of a consumer group',
        );
        return bodyResponse(request, resetBody(resets, requesterCpp));
      },
    ],
  ];
}
