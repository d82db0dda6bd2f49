/**
 * Who is connected as a group, as mqadmin's consumerConnection and producerConnection show it:
 * GET_CONSUMER_CONNECTION_LIST (203) and GET_PRODUCER_CONNECTION_LIST (204) asked of every
 * broker that may know the group, the answers merged. A broker that does not know the group
 * answers 206 CONSUMER_NOT_ONLINE (consumers) or 1 SYSTEM_ERROR (producers); when every broker
 * says so, the group is not online anywhere and the caller gets a GroupNotOnlineError.
 */
import type { RemotingCommand } from '../../remoting/index.ts';
import {
  createRequest,
  parseLenientJson,
  RequestCode,
  ResponseCode,
} from '../../remoting/index.ts';
import type { ClientInstance } from '../core/client-instance.ts';
import { BrokerError, errorFromResponse, NoRouteError } from '../core/errors.ts';
import { validateGroup, validateTopic } from '../consumer/subscription.ts';

export interface ClientConnection {
  clientId: string;
  /** The client's endpoint as the (first answering) broker sees it. */
  clientAddr: string;
  language: string;
  version: number;
}

/** A subscription as the brokers hold it from heartbeats. */
export interface ConsumerSubscription {
  topic: string;
  subString: string;
  tagsSet: string[];
  codeSet: number[];
  subVersion: number;
  expressionType: string;
}

export interface ConsumerConnection {
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  /** One entry per client id, sorted by it. */
  connections: ClientConnection[];
  /** One entry per topic (the newest subVersion any broker has), sorted by topic. */
  subscriptions: ConsumerSubscription[];
}

export type GroupRole = 'consumer' | 'producer';

/** No broker asked has a live connection of the group. */
export class GroupNotOnlineError extends BrokerError {
  override name = 'GroupNotOnlineError';
  readonly group: string;
  readonly role: GroupRole;

  constructor(
    role: GroupRole,
    group: string,
    addresses: readonly string[],
    last?: RemotingCommand,
  ) {
    super(
      `the ${role} group ${group} is not online at any of ${addresses.length} broker(s)` +
        (addresses.length > 0 ? ` (${addresses.join(', ')})` : ''),
      last ? { responseCode: last.code, remark: last.remark } : {},
    );
    this.group = group;
    this.role = role;
  }
}

/** Not in the shared ResponseCode table: what brokers answer for a group without members. */
const CONSUMER_NOT_ONLINE = 206;
const MAX_CONNECTIONS = 100_000;

interface RawConnection {
  clientId?: unknown;
  clientAddr?: unknown;
  language?: unknown;
  version?: unknown;
}

interface RawConsumerConnection {
  connectionSet?: unknown;
  consumeType?: unknown;
  messageModel?: unknown;
  consumeFromWhere?: unknown;
  subscriptionTable?: unknown;
}

export async function consumerConnection(
  client: ClientInstance,
  masters: () => Promise<string[]>,
  group: string,
): Promise<ConsumerConnection> {
  validateGroup(group);
  const addresses = await masters();
  const connections = new Map<string, ClientConnection>();
  const subscriptions = new Map<string, ConsumerSubscription>();
  let header:
    Pick<ConsumerConnection, 'consumeType' | 'messageModel' | 'consumeFromWhere'> | undefined;
  let notOnline: RemotingCommand | undefined;
  for (const address of addresses) {
    const what = `consumer connections of group ${group}`;
    const response = await client.invokeBroker(
      address,
      createRequest(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: group }),
      what,
    );
    if (response.code === CONSUMER_NOT_ONLINE) {
      notOnline = response;
      continue;
    }
    const body = bodyOf(response, address, what) as RawConsumerConnection;
    header ??= {
      consumeType: String(body.consumeType ?? ''),
      messageModel: String(body.messageModel ?? ''),
      consumeFromWhere: String(body.consumeFromWhere ?? ''),
    };
    mergeConnections(connections, body.connectionSet);
    const table = body.subscriptionTable;
    if (typeof table === 'object' && table !== null) {
      for (const [topic, raw] of Object.entries(table as Record<string, unknown>)) {
        const subscription = subscriptionOf(topic, raw);
        const known = subscriptions.get(topic);
        if (!known || known.subVersion < subscription.subVersion)
          subscriptions.set(topic, subscription);
      }
    }
  }
  if (!header) throw new GroupNotOnlineError('consumer', group, addresses, notOnline);
  return {
    ...header,
    connections: sortedConnections(connections),
    subscriptions: [...subscriptions.values()].sort((a, b) => (a.topic < b.topic ? -1 : 1)),
  };
}

/** The producers of group connected to the masters of topic's brokers. */
export async function producerConnection(
  client: ClientInstance,
  group: string,
  topic: string,
): Promise<ClientConnection[]> {
  validateGroup(group);
  validateTopic(topic);
  const route = await client.route(topic, true);
  const addresses = route.brokerDatas
    .map((broker) => broker.brokerAddrs['0'])
    .filter((address): address is string => address !== undefined);
  if (addresses.length === 0) throw new NoRouteError(`no master serves topic ${topic}`);
  const connections = new Map<string, ClientConnection>();
  let answered = false;
  let notOnline: RemotingCommand | undefined;
  for (const address of addresses) {
    const what = `producer connections of group ${group}`;
    const response = await client.invokeBroker(
      address,
      createRequest(RequestCode.GET_PRODUCER_CONNECTION_LIST, { producerGroup: group }),
      what,
    );
    // RocketMQ answers an unknown producer group with SYSTEM_ERROR, not a code of its own.
    if (response.code === ResponseCode.SYSTEM_ERROR) {
      notOnline = response;
      continue;
    }
    const body = bodyOf(response, address, what) as { connectionSet?: unknown };
    answered = true;
    mergeConnections(connections, body.connectionSet);
  }
  if (!answered) throw new GroupNotOnlineError('producer', group, addresses, notOnline);
  return sortedConnections(connections);
}

function bodyOf(response: RemotingCommand, address: string, what: string): unknown {
  if (response.code !== ResponseCode.SUCCESS)
    throw errorFromResponse(response.code, response.remark, address, what);
  const parsed = response.body ? parseLenientJson(response.body.toString('utf8')) : {};
  if (typeof parsed !== 'object' || parsed === null)
    throw new BrokerError(`${what} at ${address}: the answer is not a JSON object`, { address });
  return parsed;
}

function mergeConnections(into: Map<string, ClientConnection>, raw: unknown): void {
  if (!Array.isArray(raw)) return;
  for (const entry of raw as RawConnection[]) {
    if (into.size >= MAX_CONNECTIONS) return;
    if (typeof entry !== 'object' || entry === null || typeof entry.clientId !== 'string') continue;
    if (into.has(entry.clientId)) continue;
    into.set(entry.clientId, {
      clientId: entry.clientId,
      clientAddr: String(entry.clientAddr ?? ''),
      language: String(entry.language ?? ''),
      version: Number(entry.version) || 0,
    });
  }
}

function sortedConnections(connections: Map<string, ClientConnection>): ClientConnection[] {
  return [...connections.values()].sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
}

function subscriptionOf(topic: string, raw: unknown): ConsumerSubscription {
  const value = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const strings = (list: unknown): string[] =>
    Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
  return {
    topic,
    subString: typeof value['subString'] === 'string' ? value['subString'] : '*',
    tagsSet: strings(value['tagsSet']),
    codeSet: Array.isArray(value['codeSet']) ? value['codeSet'].map(Number) : [],
    subVersion: Number(value['subVersion']) || 0,
    expressionType: typeof value['expressionType'] === 'string' ? value['expressionType'] : 'TAG',
  };
}
