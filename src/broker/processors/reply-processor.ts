/**
 * SEND_REPLY_MESSAGE (324) and SEND_REPLY_MESSAGE_V2 (325), RocketMQ 4.6's request-reply: a
 * consumer answers a request by sending a reply message (MessageUtil.createReplyMessage) whose
 * REPLY_TO_CLIENT property names the requesting producer's client id. The broker pushes the
 * reply to that producer's connection as PUSH_REPLY_MESSAGE_TO_CLIENT (326), where
 * `producer.request(...)` is waiting for it, and (storeReplyMessageEnable) also stores it in
 * its topic, `<cluster>_REPLY_TOPIC`. As RocketMQ's ReplyMessageProcessor, the answer is
 * SUCCESS only when the push succeeded, with the stored message's id and offsets when the
 * store did too and "0" otherwise.
 */
import type { RemotingCommand, RemotingConnection, RequestHandler } from '../../remoting/index.ts';
import { createRequest, createResponse, RequestCode, ResponseCode } from '../../remoting/index.ts';
import { appendProperty, decodeProperties } from '../../protocol/properties.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { readSendHeader } from './send-header.ts';
import type { SendHeader } from './send-header.ts';
import { storeSentMessages } from './send-processor.ts';

/** The wait for the requester to take the reply, RocketMQ's callClient default. */
const PUSH_TIMEOUT_MS = 3000;
const REPLY_TO_CLIENT = 'REPLY_TO_CLIENT';
const PUSH_REPLY_TIME = 'PUSH_REPLY_TIME';

interface PushResult {
  ok: boolean;
  remark: string;
}

export function replyHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  const handler: RequestHandler = (request, connection) => reply(ctx, request, connection);
  return [
    [RequestCode.SEND_REPLY_MESSAGE, handler],
    [RequestCode.SEND_REPLY_MESSAGE_V2, handler],
  ];
}

async function reply(
  ctx: BrokerContext,
  request: RemotingCommand,
  connection: RemotingConnection,
): Promise<RemotingCommand> {
  const header = readSendHeader(request);
  let stored: RemotingCommand | undefined;
  if (ctx.config.storeReplyMessageEnable) {
    let refused: RemotingCommand | undefined;
    const answer = await new Promise<RemotingCommand>((resolve) => {
      refused = storeSentMessages(ctx, request, connection, resolve);
      if (refused) resolve(refused);
    });
    // A reply refused outright (bad topic, no permission) is not pushed, as RocketMQ's msgCheck.
    if (refused) return refused;
    if (answer.code === ResponseCode.SUCCESS || answer.code === ResponseCode.FLUSH_DISK_TIMEOUT)
      stored = answer;
  }
  const pushed = await push(ctx, request, connection, header);
  const fields = { MSG_REGION: ctx.config.regionId, TRACE_ON: String(ctx.config.traceOn) };
  if (!pushed.ok) return createResponse(request, ResponseCode.SYSTEM_ERROR, pushed.remark, fields);
  const queueId = stored?.extFields?.['queueId'] ?? String(Math.max(0, header.queueId));
  return createResponse(request, ResponseCode.SUCCESS, undefined, {
    ...fields,
    // "0" when nothing was stored, so the client still parses a message id.
    msgId: stored?.extFields?.['msgId'] ?? '0',
    queueId,
    queueOffset: stored?.extFields?.['queueOffset'] ?? '0',
  });
}

/** Hands the reply to the requester named by REPLY_TO_CLIENT, if it is connected. */
async function push(
  ctx: BrokerContext,
  request: RemotingCommand,
  connection: RemotingConnection,
  header: SendHeader,
): Promise<PushResult> {
  const requester = decodeProperties(header.properties)[REPLY_TO_CLIENT];
  if (requester === undefined)
    return { ok: false, remark: `reply message properties[${REPLY_TO_CLIENT}] is null` };
  const channel = ctx.clients.producerChannel(requester);
  if (!channel)
    return { ok: false, remark: `push reply message fail, channel of <${requester}> not found.` };
  const fields: Record<string, string> = {
    bornHost: `${connection.remoteAddress}:${connection.remotePort}`,
    storeHost: ctx.brokerAddress,
    storeTimestamp: String(Date.now()),
    producerGroup: header.producerGroup,
    topic: header.topic,
    defaultTopic: header.defaultTopic,
    defaultTopicQueueNums: String(header.defaultTopicQueueNums),
    queueId: String(header.queueId),
    sysFlag: String(header.sysFlag),
    bornTimestamp: String(header.bornTimestamp),
    flag: String(header.flag),
    properties: appendProperty(header.properties, PUSH_REPLY_TIME, String(Date.now())),
    reconsumeTimes: String(header.reconsumeTimes),
    unitMode: 'false',
  };
  const failed = { ok: false, remark: `push reply message to ${requester}fail.` };
  try {
    const answer = await channel.connection.invoke(
      createRequest(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, fields, request.body),
      PUSH_TIMEOUT_MS,
    );
    if (answer.code === ResponseCode.SUCCESS) return { ok: true, remark: '' };
    ctx.logger.warn({ requester, remark: answer.remark }, 'the requester refused a reply');
    return failed;
  } catch (error) {
    ctx.logger.warn({ err: error, requester }, 'pushing a reply to its requester failed');
    return failed;
  }
}
