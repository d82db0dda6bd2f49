/**
 * SEND_MESSAGE (10), SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320): validate, resolve the
 * topic and queue, hand the message to the queue's actor, and answer when it is stored (and,
 * under SYNC_FLUSH, durable). protocol/REMOTING.md 11.1.
 */
import type { ReplicationWait } from '../ha/ha-master.ts';
import type { RemotingCommand, RemotingConnection } from '../../remoting/index.ts';
import { createResponse, RequestCode, ResponseCode } from '../../remoting/index.ts';
import type { SendAck } from '../actor/send-ack-record.ts';
import type { SendMessagePart, SendRequest } from '../actor/send-record.ts';
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
import { decodeProperties, encodeProperties } from '../../protocol/properties.ts';
import { MessageProperty } from '../../protocol/property-names.ts';
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

type Fail = (code: number, remark: string) => RemotingCommand;

/** Where a checked send goes: its topic (a dead-letter topic past the retries) and queue. */
interface Destination {
  topic: string;
  queueId: number;
  topicConfig: TopicConfig;
  /** This send created the topic (from its template, or a retry or dead-letter topic). */
  created: boolean;
}

/** What is stored: a delayed message goes to the schedule or timer topic instead. */
interface StoredMessages {
  topic: string;
  queueId: number;
  messages: SendMessagePart[];
}

const EMPTY_BODY = Buffer.alloc(0);

/** RocketMQ's remark for a store that refuses a put (a slave's among its causes). */
export const SLAVE_REFUSAL =
  "service not available now. It may be caused by one of the following reasons: the broker's disk is full, messages are put to the slave, message store has been shut down, etc.";

export function sendProcessor(ctx: BrokerContext) {
  return (request: RemotingCommand, connection: RemotingConnection): RemotingCommand | undefined =>
    storeSentMessages(ctx, request, connection, (response) =>
      connection.respond(request, response),
    );
}

/**
 * Checks and stores what a send request carries. A refusal is returned at once; otherwise
 * `answer` gets the response when the messages are stored (the reply processor stores replies
 * this way too, and answers with its own response).
 */
export function storeSentMessages(
  ctx: BrokerContext,
  request: RemotingCommand,
  connection: RemotingConnection,
  answer: (response: RemotingCommand) => void,
): RemotingCommand | undefined {
  if (ctx.config.brokerRole === 'SLAVE')
    return createResponse(request, ResponseCode.SERVICE_NOT_AVAILABLE, SLAVE_REFUSAL);
  const header = readSendHeader(request);
  const fail: Fail = (code, remark) => createResponse(request, code, remark);
  const body = request.body ?? EMPTY_BODY;
  const refused = refusal(ctx, header, body, fail);
  if (refused) return refused;
  const destination = destinationOf(ctx, header, connection, fail);
  if (!('topicConfig' in destination)) return destination;
  const stored = storedMessages(ctx, request, header, body, destination, fail);
  if (!('messages' in stored)) return stored;
  return submit(ctx, request, connection, header, destination, stored, body.length, answer);
}

/** The checks that need neither the topic's config nor the queue. */
function refusal(
  ctx: BrokerContext,
  header: SendHeader,
  body: Buffer,
  fail: Fail,
): RemotingCommand | undefined {
  if ((ctx.config.brokerPermission & Perm.WRITE) === 0)
    return fail(
      ResponseCode.NO_PERMISSION,
      `the broker[${ctx.config.brokerName}] sending message is forbidden`,
    );
  const problem = validTopics.has(header.topic) ? undefined : topicNameProblem(header.topic);
  if (problem) return fail(ResponseCode.SYSTEM_ERROR, problem);
  if (SEND_FORBIDDEN_TOPICS.has(header.topic))
    return fail(
      ResponseCode.NO_PERMISSION,
      `Sending message to topic[${header.topic}] is forbidden.`,
    );
  if (body.length > ctx.config.maxMessageSize)
    return fail(
      ResponseCode.MESSAGE_ILLEGAL,
      `the message body size ${body.length} is over the limit ${ctx.config.maxMessageSize}`,
    );
  if (
    header.properties.length > MAX_PROPERTIES_BYTES &&
    Buffer.byteLength(header.properties) > MAX_PROPERTIES_BYTES
  )
    return fail(
      ResponseCode.MESSAGE_ILLEGAL,
      `the message properties are longer than ${MAX_PROPERTIES_BYTES} bytes`,
    );
  if (validTopics.size < MAX_REMEMBERED_TOPICS) validTopics.add(header.topic);
  return undefined;
}

/** The topic (created from its template if need be) and queue; a spent retry goes to the DLQ. */
function destinationOf(
  ctx: BrokerContext,
  header: SendHeader,
  connection: RemotingConnection,
  fail: Fail,
): Destination | RemotingCommand {
  const known = ctx.topics.get(header.topic) !== undefined;
  let topicConfig = resolveTopic(ctx, header);
  if (!topicConfig)
    return fail(
      ResponseCode.TOPIC_NOT_EXIST,
      `topic[${header.topic}] not exist, apply first please!`,
    );
  if ((topicConfig.perm & Perm.WRITE) === 0)
    return fail(
      ResponseCode.NO_PERMISSION,
      `the topic[${header.topic}] sending message is forbidden`,
    );
  let topic = header.topic;
  let queueId = header.queueId;
  if (queueId >= queueCountOf(topicConfig))
    return fail(
      ResponseCode.SYSTEM_ERROR,
      `request queueId[${queueId}] is illegal, topic:[${topic}] topicConfig.writeQueueNums:[${topicConfig.writeQueueNums}] consumer:[${connection.remoteEndpoint}]`,
    );
  if (queueId < 0) queueId = Math.floor(Math.random() * Math.max(1, topicConfig.writeQueueNums));
  if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
    const group = topic.slice(RETRY_GROUP_TOPIC_PREFIX.length);
    const groupConfig = ctx.groups.findOrCreate(group);
    if (!groupConfig)
      return fail(
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group not exist, ${group}`,
      );
    const maxTimes = header.maxReconsumeTimes ?? groupConfig.retryMaxTimes;
    if (header.reconsumeTimes >= maxTimes) {
      topic = DLQ_GROUP_TOPIC_PREFIX + group;
      const dlqKnown = ctx.topics.get(topic) !== undefined;
      topicConfig = ctx.topics.ensureTopic(topic, 1);
      queueId = 0;
      return { topic, queueId, topicConfig, created: !known || !dlqKnown };
    }
  }
  return { topic, queueId, topicConfig, created: !known };
}

/** The message parts to store and where: delayed single messages wait in a schedule topic. */
function storedMessages(
  ctx: BrokerContext,
  request: RemotingCommand,
  header: SendHeader,
  body: Buffer,
  destination: Destination,
  fail: Fail,
): StoredMessages | RemotingCommand {
  const { topic, queueId } = destination;
  if (request.code === RequestCode.SEND_BATCH_MESSAGE || header.batch) {
    // Apache 5's broker stores a batch's messages with their own properties only.
    const decoded = decodeBatchBody(body, header.properties);
    if (typeof decoded === 'string') return fail(ResponseCode.MESSAGE_ILLEGAL, decoded);
    return { topic, queueId, messages: decoded };
  }
  const properties = withBrokerProperties(header.properties, ctx.config);
  const single = {
    topic,
    queueId,
    messages: [{ flag: header.flag, properties, body }],
  };
  // Dead letters are stored as they come, never delayed again.
  if (topic.startsWith(DLQ_GROUP_TOPIC_PREFIX)) return single;
  const timed =
    scheduledDestination(
      properties,
      topic,
      queueId,
      header.sysFlag,
      delayLevelsOf(ctx.config).length,
    ) ??
    (ctx.config.timerWheelEnable
      ? timerDestination(
          properties,
          topic,
          queueId,
          header.sysFlag,
          Date.now(),
          ctx.config.timerMaxDelaySec * 1000,
        )
      : undefined);
  if (timed && 'error' in timed) return fail(ResponseCode.MESSAGE_ILLEGAL, timed.error);
  if (!timed) return single;
  return {
    topic: timed.topic,
    queueId: timed.queueId,
    messages: [{ flag: header.flag, properties: timed.properties, body }],
  };
}

const BROKER_PROPERTY_NAMES = [
  MessageProperty.MSG_REGION,
  MessageProperty.TRACE_ON,
  MessageProperty.CLUSTER,
].map((name) => `${name}\u0001`);

/**
 * The sender's properties with the three Apache's broker (5.x) puts on every single message it
 * is sent, replacing any the sender set: its region and trace switch, and its cluster's name.
 */
function withBrokerProperties(text: string, config: BrokerContext['config']): string {
  const added = brokerProperties(config);
  if (BROKER_PROPERTY_NAMES.some((name) => text.includes(name)))
    return encodeProperties({ ...decodeProperties(text), ...added.values });
  const { suffix } = added;
  return text.length === 0 || suffix.length === 0 ? text + suffix : `${text}\u0002${suffix}`;
}

/** Encoded once per set of values, not once per send: every single message gets them. */
let lastBrokerProperties: { values: Record<string, string>; suffix: string } | undefined;

function brokerProperties(config: BrokerContext['config']): {
  values: Record<string, string>;
  suffix: string;
} {
  const values = lastBrokerProperties?.values;
  if (
    values?.[MessageProperty.MSG_REGION] === config.regionId &&
    values[MessageProperty.TRACE_ON] === String(config.traceOn) &&
    values[MessageProperty.CLUSTER] === config.brokerClusterName
  )
    return lastBrokerProperties!;
  const fresh = {
    [MessageProperty.MSG_REGION]: config.regionId,
    [MessageProperty.TRACE_ON]: String(config.traceOn),
    [MessageProperty.CLUSTER]: config.brokerClusterName,
  };
  lastBrokerProperties = { values: fresh, suffix: encodeProperties(fresh) };
  return lastBrokerProperties;
}

/** Hands the messages to their queue's actor; the ack answers the producer. */
function submit(
  ctx: BrokerContext,
  request: RemotingCommand,
  connection: RemotingConnection,
  header: SendHeader,
  destination: Destination,
  stored: StoredMessages,
  bodyBytes: number,
  answer: (response: RemotingCommand) => void,
): RemotingCommand | undefined {
  const sendRequest: SendRequest = {
    shard: ctx.topics.shardOf(stored.topic, stored.queueId),
    topic: stored.topic,
    queueId: stored.queueId,
    sysFlag:
      destination.topicConfig.topicFilterType === 'MULTI_TAG' ? header.sysFlag | 2 : header.sysFlag,
    bornTimestamp: header.bornTimestamp,
    bornHost: peerAddressOf(connection),
    bornPort: connection.remotePort,
    reconsumeTimes: header.reconsumeTimes,
    waitDurable: !header.properties.includes(WAIT_FALSE),
    messages: stored.messages,
  };
  const accepted = ctx.actors.send(
    sendRequest,
    (ack) => {
      // Runs in the actor host's response loop, where a throw would lose the batch's answers.
      const respond = (replica?: ReplicationWait): void => {
        let response: RemotingCommand;
        try {
          response = sendResponse(ctx, request, ack, destination.queueId, replica);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          response = createResponse(request, ResponseCode.SYSTEM_ERROR, `send failed: ${reason}`);
        }
        // Apache answers a send that created its topic only once the name servers route it,
        // so the producer (or anyone it tells) can look the new topic up straight away.
        if (destination.created) afterRegistration(ctx, () => answer(response));
        else answer(response);
      };
      const replication = ctx.replication;
      if (replication?.syncMaster && ack.status === SendStatus.OK && sendRequest.waitDurable)
        replication.waitReplicated(sendRequest.shard, respond);
      else respond();
    },
    connection.id,
  );
  if (!accepted)
    return createResponse(
      request,
      ResponseCode.SYSTEM_BUSY,
      '[REJECTREQUEST]system busy, start flow control for a while',
    );
  const count = stored.messages.length;
  ctx.stats.putMessages += count;
  ctx.stats.putBytes += bodyBytes;
  ctx.traffic.countIn(destination.topic, count, bodyBytes);
  return undefined;
}

/**
 * A name server that is down must not hold the answer past the producer's timeout (3 s by
 * default); the periodic registration will tell it later.
 */
const REGISTRATION_WAIT_MS = 1000;

function afterRegistration(ctx: BrokerContext, respond: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    respond();
  };
  const timer = setTimeout(once, REGISTRATION_WAIT_MS);
  timer.unref();
  void ctx.registered().then(once, once);
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

/** SYNC_MASTER's outcomes, as RocketMQ answers them: stored here, but not (yet) on a slave. */
const REPLICA_CODES: Partial<Record<ReplicationWait, number>> = {
  timeout: ResponseCode.FLUSH_SLAVE_TIMEOUT,
  'no-slave': ResponseCode.SLAVE_NOT_AVAILABLE,
};

function sendResponse(
  ctx: BrokerContext,
  request: RemotingCommand,
  ack: SendAck,
  queueId: number,
  replica?: ReplicationWait,
): RemotingCommand {
  switch (ack.status) {
    case SendStatus.OK:
    case SendStatus.FLUSH_DISK_TIMEOUT: {
      const replicaCode = replica === undefined ? undefined : REPLICA_CODES[replica];
      const offsets = ack.physicalOffsets;
      const msgId =
        offsets.length === 1
          ? ctx.messageIds.offsetId(offsets[0]!)
          : offsets.map((offset) => ctx.messageIds.offsetId(offset)).join(',');
      return createResponse(
        request,
        replicaCode ??
          (ack.status === SendStatus.OK ? ResponseCode.SUCCESS : ResponseCode.FLUSH_DISK_TIMEOUT),
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
