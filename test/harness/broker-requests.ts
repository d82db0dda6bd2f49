/** Requests tests and benchmarks send to brokers directly, built in one place. */
import { decodeMessages } from '../../src/client/message-decoder.ts';
import type { MessageExt } from '../../src/client/message.ts';
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
    },
    typeof fields.body === 'string' ? Buffer.from(fields.body) : fields.body,
  );
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
    createRequest(RequestCode.PULL_MESSAGE, {
      consumerGroup,
      topic,
      queueId: String(queueId),
      queueOffset: String(queueOffset),
      maxMsgNums: '32',
      sysFlag: '4',
      commitOffset: '0',
      suspendTimeoutMillis: '0',
      subscription: '*',
      subVersion: '0',
    }),
    5000,
  );
  if (response.code === ResponseCode.SUCCESS && response.body) return decodeMessages(response.body);
  if (EMPTY_PULL_CODES.has(response.code)) return [];
  throw new Error(
    `PULL_MESSAGE ${topic}/${queueId}@${queueOffset}: ${response.code} ${response.remark ?? ''}`,
  );
}
