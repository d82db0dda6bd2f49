/** Requests tests and benchmarks send to brokers directly, built in one place. */
import { decodeMessages } from '../../src/client/core/message-decoder.ts';
import type { MessageExt } from '../../src/client/core/message.ts';
import type { RemotingClient, RemotingCommand } from '../../src/remoting/index.ts';
import { createRequest, RequestCode, ResponseCode } from '../../src/remoting/index.ts';

/** Pull answers that mean "nothing here at this offset" rather than a failure. */
const EMPTY_PULL_CODES: ReadonlySet<number> = new Set([
  ResponseCode.PULL_NOT_FOUND,
  ResponseCode.PULL_RETRY_IMMEDIATELY,
  ResponseCode.PULL_OFFSET_MOVED,
]);

export interface SendMessageFields {
  topic: string;
  queueId: number;
  body: Buffer | string;
  /** Encoded properties (`name\u0001value\u0002...`); default none. */
  properties?: string;
  producerGroup?: string;
  /** defaultTopicQueueNums the producer announces; default 4. */
  defaultQueues?: number;
  /** Also send reconsumeTimes (j) and unitMode (k), as the Java producer does. */
  javaFields?: boolean;
}

/** SEND_MESSAGE_V2 (310) with its single-letter header, as a RocketMQ producer sends it. */
export function sendMessageRequest(fields: SendMessageFields): RemotingCommand {
  return createRequest(
    RequestCode.SEND_MESSAGE_V2,
    {
      a: fields.producerGroup ?? 'test_producer',
      b: fields.topic,
      c: 'TBW102',
      d: String(fields.defaultQueues ?? 4),
      e: String(fields.queueId),
      f: '0',
      g: String(Date.now()),
      h: '0',
      i: fields.properties ?? '',
      ...(fields.javaFields === true ? { j: '0', k: 'false' } : {}),
    },
    typeof fields.body === 'string' ? Buffer.from(fields.body) : fields.body,
  );
}

export interface PullMessageFields {
  consumerGroup: string;
  topic: string;
  /** Strings travel as written, so a test can send values no number holds. */
  queueId: number | string;
  queueOffset: number | string;
  /** Held this long when nothing is there (sysFlag bit 2); default 0, not held. */
  suspendMs?: number;
  /** Sent as subVersion unless null; default 0. */
  subVersion?: string | null;
}

/**
 * PULL_MESSAGE (11) for up to 32 messages that commits nothing; the subscription (`*`) travels
 * with the request (sysFlag bit 4), so the group needs no heartbeat.
 */
export function pullMessageRequest(fields: PullMessageFields): RemotingCommand {
  const suspendMs = fields.suspendMs ?? 0;
  const subVersion = fields.subVersion === undefined ? '0' : fields.subVersion;
  return createRequest(RequestCode.PULL_MESSAGE, {
    consumerGroup: fields.consumerGroup,
    topic: fields.topic,
    queueId: String(fields.queueId),
    queueOffset: String(fields.queueOffset),
    maxMsgNums: '32',
    sysFlag: suspendMs > 0 ? '6' : '4',
    commitOffset: '0',
    suspendTimeoutMillis: String(suspendMs),
    subscription: '*',
    ...(subVersion === null ? {} : { subVersion }),
  });
}

/** UPDATE_AND_CREATE_TOPIC (17) for a readable, writable topic with queues read/write queues. */
export function createTopicRequest(topic: string, queues: number): RemotingCommand {
  return createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
    topic,
    defaultTopic: 'TBW102',
    readQueueNums: String(queues),
    writeQueueNums: String(queues),
    perm: '6',
    topicFilterType: 'SINGLE_TAG',
    order: 'false',
  });
}

/**
 * Up to 32 messages of one queue from queueOffset, read by a PULL_MESSAGE that is not held and
 * commits nothing; the subscription (`*`) travels with the request, so the group needs no
 * heartbeat. Empty when the queue has nothing there; throws on any other answer.
 */
export async function pullQueue(
  client: RemotingClient,
  brokerAddress: string,
  topic: string,
  queueId: number,
  queueOffset: number,
  consumerGroup: string,
): Promise<MessageExt[]> {
  const response = await client.invoke(
    brokerAddress,
    pullMessageRequest({ consumerGroup, topic, queueId, queueOffset }),
    5000,
  );
  if (response.code === ResponseCode.SUCCESS && response.body) return decodeMessages(response.body);
  if (EMPTY_PULL_CODES.has(response.code)) return [];
  throw new Error(
    `PULL_MESSAGE ${topic}/${queueId}@${queueOffset}: ${response.code} ${response.remark ?? ''}`,
  );
}
