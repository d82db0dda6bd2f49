/**
 * Admin steps tests share: a quiet remoting client, topics created on a real broker and waited
 * for in the name server's routes, and reads of offsets and stored messages over the wire.
 */
import { pino } from 'pino';
import {
  createRequest,
  RemotingClient,
  RequestCode,
  ResponseCode,
} from '../../src/remoting/index.ts';
import { decodeMessages } from '../../src/client/core/message-decoder.ts';
import type { MessageExt } from '../../src/client/core/message.ts';
import { createTopicRequest } from './broker-requests.ts';
import { waitFor } from './wait-for.ts';

export function adminClient(): RemotingClient {
  return new RemotingClient({ logger: pino({ level: 'silent' }) });
}

/** UPDATE_AND_CREATE_TOPIC on the broker, then waits until the name server routes it. */
export async function createTopic(
  client: RemotingClient,
  brokerAddress: string,
  nameServer: string,
  topic: string,
  queues = 8,
): Promise<void> {
  const response = await client.invoke(brokerAddress, createTopicRequest(topic, queues), 5000);
  if (response.code !== ResponseCode.SUCCESS)
    throw new Error(`creating ${topic} failed: ${response.code} ${response.remark}`);
  await waitForRoute(client, nameServer, topic);
}

export async function waitForRoute(
  client: RemotingClient,
  nameServer: string,
  topic: string,
): Promise<void> {
  let last = 'no answer';
  await waitFor(
    async () => {
      const route = await client.invoke(
        nameServer,
        createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }),
        3000,
      );
      last = `${route.code} ${route.remark ?? ''}`;
      return route.code === ResponseCode.SUCCESS;
    },
    10_000,
    () => `the name server has no route for ${topic} (last answer ${last})`,
  );
}

/** The sum of a group's committed offsets over a topic's queues (-1 counts as 0). */
export async function committedTotal(
  client: RemotingClient,
  brokerAddress: string,
  topic: string,
  group: string,
  queues = 8,
): Promise<number> {
  let total = 0;
  for (let queueId = 0; queueId < queues; queueId++) {
    const response = await client.invoke(
      brokerAddress,
      createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
        topic,
        consumerGroup: group,
        queueId: String(queueId),
      }),
      3000,
    );
    if (response.code !== ResponseCode.SUCCESS)
      throw new Error(
        `QUERY_CONSUMER_OFFSET ${topic}/${queueId}: ${response.code} ${response.remark}`,
      );
    total += Math.max(0, Number(response.extFields?.['offset']));
  }
  return total;
}

/** GET_MAX_OFFSET (30): the queue offset after the last message of one queue. */
export async function maxOffset(
  client: RemotingClient,
  brokerAddress: string,
  topic: string,
  queueId = 0,
): Promise<number> {
  const response = await client.invoke(
    brokerAddress,
    createRequest(RequestCode.GET_MAX_OFFSET, { topic, queueId: String(queueId) }),
    3000,
  );
  if (response.code !== ResponseCode.SUCCESS)
    throw new Error(`GET_MAX_OFFSET ${topic}/${queueId}: ${response.code} ${response.remark}`);
  return Number(response.extFields?.['offset']);
}

/**
 * The stored message an offset message id names (hex store ip, port and commit-log offset, as
 * ali-ons computes it), read back with VIEW_MESSAGE_BY_ID (33).
 */
export async function viewMessage(
  client: RemotingClient,
  brokerAddress: string,
  msgId: string,
): Promise<MessageExt> {
  if (!/^[0-9A-F]{32}$/.test(msgId)) throw new Error(`not an offset message id: ${msgId}`);
  const offset = BigInt(`0x${msgId.slice(16)}`);
  const response = await client.invoke(
    brokerAddress,
    createRequest(RequestCode.VIEW_MESSAGE_BY_ID, { offset: offset.toString() }),
    3000,
  );
  if (response.code !== ResponseCode.SUCCESS || !response.body)
    throw new Error(`VIEW_MESSAGE_BY_ID ${msgId}: ${response.code} ${response.remark}`);
  const [message] = decodeMessages(response.body);
  if (!message) throw new Error(`VIEW_MESSAGE_BY_ID ${msgId} answered no message`);
  return message;
}
