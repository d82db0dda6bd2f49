/**
 * The broker requests consumers make besides pulling (protocol/REMOTING.md 11.3-11.5): offsets
 * of a group, offsets of a queue, the group's member list, and leaving the group. Each call
 * goes to the master of the queue's broker, found in the topic's route (refreshed once when the
 * cached route does not know the broker).
 */
import {
  createRequest,
  parseLenientJson,
  RequestCode,
  ResponseCode,
} from '../../remoting/index.ts';
import type { ClientInstance } from '../core/client-instance.ts';
import { BrokerError, errorFromResponse, NoRouteError } from '../core/errors.ts';
import type { MessageQueue, TopicRoute } from '../core/route.ts';
import { masterAddress } from '../core/route.ts';

/** A queue without a committed offset for the group. */
export const NO_OFFSET = -1;
const MAX_CONSUMER_IDS = 100_000;

/**
 * The queue's master, else (the master is gone from the route) another broker of its name: as
 * the Java client's findBrokerAddressInSubscribe(name, MASTER_ID, false), offsets and locks go
 * to a slave while its master is down.
 */
export async function masterOf(instance: ClientInstance, queue: MessageQueue): Promise<string> {
  let address = masterAddress(await instance.route(queue.topic), queue.brokerName);
  if (address === undefined) {
    const fresh = await instance.route(queue.topic, true);
    address =
      masterAddress(fresh, queue.brokerName) ??
      Object.values(
        fresh.brokerDatas.find((b) => b.brokerName === queue.brokerName)?.brokerAddrs ?? {},
      )[0];
  }
  if (address === undefined)
    throw new NoRouteError(
      `no broker named ${queue.brokerName} in the route of topic ${queue.topic}`,
    );
  return address;
}

function queueFields(queue: MessageQueue): Record<string, string> {
  return { topic: queue.topic, queueId: String(queue.queueId) };
}

function offsetFrom(
  extFields: Record<string, string> | undefined,
  name: string,
  address: string,
  what: string,
): number {
  const value = Number(extFields?.[name]);
  if (!Number.isSafeInteger(value))
    throw new BrokerError(`${what} at ${address}: answer has no integer ${name}`, { address });
  return value;
}

/** The group's committed offset for the queue, or NO_OFFSET when the broker has none (22). */
export async function queryConsumerOffset(
  instance: ClientInstance,
  group: string,
  queue: MessageQueue,
): Promise<number> {
  const address = await masterOf(instance, queue);
  const what = `QUERY_CONSUMER_OFFSET ${queue.topic}/${queue.queueId}`;
  const response = await instance.invokeBroker(
    address,
    createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: group,
      ...queueFields(queue),
    }),
    what,
  );
  if (response.code === ResponseCode.QUERY_NOT_FOUND) return NO_OFFSET;
  if (response.code !== ResponseCode.SUCCESS)
    throw errorFromResponse(response.code, response.remark, address, what);
  return offsetFrom(response.extFields, 'offset', address, what);
}

/** Commits an offset; one-way (as the Java client's periodic task) or awaiting the answer. */
export async function updateConsumerOffset(
  instance: ClientInstance,
  group: string,
  queue: MessageQueue,
  offset: number,
  oneway: boolean,
): Promise<void> {
  const address = await masterOf(instance, queue);
  const request = createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
    consumerGroup: group,
    ...queueFields(queue),
    commitOffset: String(offset),
  });
  if (oneway) {
    await instance.invokeBrokerOneway(address, request);
    return;
  }
  const what = `UPDATE_CONSUMER_OFFSET ${queue.topic}/${queue.queueId}`;
  const response = await instance.invokeBroker(address, request, what);
  if (response.code !== ResponseCode.SUCCESS)
    throw errorFromResponse(response.code, response.remark, address, what);
}

async function queueOffsetLookup(
  instance: ClientInstance,
  code: number,
  name: string,
  queue: MessageQueue,
  extra: Record<string, string> = {},
): Promise<number> {
  const address = await masterOf(instance, queue);
  const what = `${name} ${queue.topic}/${queue.queueId}`;
  const response = await instance.invokeBroker(
    address,
    createRequest(code, { ...queueFields(queue), ...extra }),
    what,
  );
  if (response.code !== ResponseCode.SUCCESS)
    throw errorFromResponse(response.code, response.remark, address, what);
  return offsetFrom(response.extFields, 'offset', address, what);
}

/** The offset the next message of the queue will get. */
export function getMaxOffset(instance: ClientInstance, queue: MessageQueue): Promise<number> {
  return queueOffsetLookup(instance, RequestCode.GET_MAX_OFFSET, 'GET_MAX_OFFSET', queue);
}

export function getMinOffset(instance: ClientInstance, queue: MessageQueue): Promise<number> {
  return queueOffsetLookup(instance, RequestCode.GET_MIN_OFFSET, 'GET_MIN_OFFSET', queue);
}

/** The queue offset whose message was stored closest to timestampMs. */
export function searchOffset(
  instance: ClientInstance,
  queue: MessageQueue,
  timestampMs: number,
): Promise<number> {
  return queueOffsetLookup(
    instance,
    RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
    'SEARCH_OFFSET_BY_TIMESTAMP',
    queue,
    { timestamp: String(Math.trunc(timestampMs)) },
  );
}

/** A broker serving the topic, picked at random, as the Java client asks for member lists. */
export function anyBrokerOf(route: TopicRoute): string | undefined {
  const brokers = route.brokerDatas.filter((b) => Object.keys(b.brokerAddrs).length > 0);
  if (brokers.length === 0) return undefined;
  const broker = brokers[Math.floor(Math.random() * brokers.length)]!;
  return broker.brokerAddrs['0'] ?? Object.values(broker.brokerAddrs)[0];
}

/** The client ids of the group's live members as one broker knows them, sorted. */
export async function consumerIdList(
  instance: ClientInstance,
  group: string,
  address: string,
): Promise<string[]> {
  const what = `GET_CONSUMER_LIST_BY_GROUP ${group}`;
  const response = await instance.invokeBroker(
    address,
    createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: group }),
    what,
  );
  if (response.code !== ResponseCode.SUCCESS)
    throw errorFromResponse(response.code, response.remark, address, what);
  const body = response.body ? parseLenientJson(response.body.toString('utf8')) : undefined;
  const list = (body as { consumerIdList?: unknown } | undefined)?.consumerIdList;
  if (!Array.isArray(list) || list.length > MAX_CONSUMER_IDS)
    throw new BrokerError(`${what} at ${address}: answer has no consumerIdList`, { address });
  return list.map(String).sort();
}

/** Tells every broker the client left the group, so the others rebalance at once. */
export async function unregisterConsumer(instance: ClientInstance, group: string): Promise<void> {
  await Promise.all(
    instance.brokerAddresses().map(async (address) => {
      try {
        await instance.invokeBroker(
          address,
          createRequest(RequestCode.UNREGISTER_CLIENT, {
            clientID: instance.clientId,
            consumerGroup: group,
          }),
          `UNREGISTER_CLIENT ${group}`,
        );
      } catch (error) {
        instance.logger.debug({ address, err: (error as Error).message }, 'unregister failed');
      }
    }),
  );
}

function lockBody(instance: ClientInstance, group: string, queues: readonly MessageQueue[]) {
  const mqSet = queues.map((q) => ({
    topic: q.topic,
    brokerName: q.brokerName,
    queueId: q.queueId,
  }));
  return Buffer.from(
    JSON.stringify({
      consumerGroup: group,
      clientId: instance.clientId,
      onlyThisBroker: false,
      mqSet,
    }),
  );
}

/** Asks the broker at address to lock queues for this client (11.8); the ones it now holds. */
export async function lockBatchMQ(
  instance: ClientInstance,
  group: string,
  address: string,
  queues: readonly MessageQueue[],
): Promise<MessageQueue[]> {
  const what = `LOCK_BATCH_MQ ${group}`;
  const request = createRequest(RequestCode.LOCK_BATCH_MQ, {});
  request.body = lockBody(instance, group, queues);
  const response = await instance.invokeBroker(address, request, what);
  if (response.code !== ResponseCode.SUCCESS)
    throw errorFromResponse(response.code, response.remark, address, what);
  const body = response.body ? parseLenientJson(response.body.toString('utf8')) : undefined;
  const list = (body as { lockOKMQSet?: unknown } | undefined)?.lockOKMQSet;
  if (!Array.isArray(list))
    throw new BrokerError(`${what} at ${address}: answer has no lockOKMQSet`, { address });
  const held = new Set(
    list.map((q) => {
      const v = q as Partial<MessageQueue>;
      return `${String(v.topic)}\u0000${String(v.brokerName)}\u0000${Number(v.queueId)}`;
    }),
  );
  return queues.filter((q) => held.has(`${q.topic}\u0000${q.brokerName}\u0000${q.queueId}`));
}

/** Releases this client's locks on queues at the broker at address. */
export async function unlockBatchMQ(
  instance: ClientInstance,
  group: string,
  address: string,
  queues: readonly MessageQueue[],
): Promise<void> {
  const what = `UNLOCK_BATCH_MQ ${group}`;
  const request = createRequest(RequestCode.UNLOCK_BATCH_MQ, {});
  request.body = lockBody(instance, group, queues);
  const response = await instance.invokeBroker(address, request, what);
  if (response.code !== ResponseCode.SUCCESS)
    throw errorFromResponse(response.code, response.remark, address, what);
}
