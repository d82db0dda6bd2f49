/**
 * Orderly-consumption locks: LOCK_BATCH_MQ (41), UNLOCK_BATCH_MQ (42), protocol/REMOTING.md 11.8;
 * plus QUERY_QUEUE_LOCKS (ThrustMQ extension, code 9041) for tests and admin tools: extField
 * `consumerGroup`, answer body `{"lockTable":[{"mq":{topic,brokerName,queueId},"clientId",
 * "lastUpdateTimestamp"}]}` listing the group's live locks. A client's locks are released when
 * a connection it locked through closes.
 */
import type { RemotingConnection, RequestHandler } from '../../remoting/index.ts';
import {
  createResponse,
  parseLenientJson,
  RequestCode,
  requireString,
  ResponseCode,
} from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import type { LockedQueue } from '../clients/queue-locks.ts';
import { QueueLockTable } from '../clients/queue-locks.ts';
import { bodyResponse } from './body-response.ts';

export const QUERY_QUEUE_LOCKS = 9041;
const MAX_QUEUES_PER_REQUEST = 10_000;

interface LockBody {
  consumerGroup: string;
  clientId: string;
  mqSet: LockedQueue[];
}

export function lockHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  const table = new QueueLockTable(ctx.config.rebalanceLockMaxLiveTime);
  const watched = new WeakSet<RemotingConnection>();
  const watch = (connection: RemotingConnection, clientId: string): void => {
    if (watched.has(connection)) return;
    watched.add(connection);
    connection.onClose(() => table.releaseClient(clientId));
  };
  const json = (request: Parameters<RequestHandler>[0], value: unknown) =>
    bodyResponse(request, JSON.stringify(value));
  return [
    [
      RequestCode.LOCK_BATCH_MQ,
      (request, connection) => {
        const body = parseLockBody(request.body);
        if (typeof body === 'string')
          return createResponse(request, ResponseCode.SYSTEM_ERROR, body);
        watch(connection, body.clientId);
        const held = table.lock(body.consumerGroup, body.clientId, body.mqSet);
        return json(request, { lockOKMQSet: held });
      },
    ],
    [
      RequestCode.UNLOCK_BATCH_MQ,
      (request) => {
        const body = parseLockBody(request.body);
        if (typeof body === 'string')
          return createResponse(request, ResponseCode.SYSTEM_ERROR, body);
        table.unlock(body.consumerGroup, body.clientId, body.mqSet);
        return createResponse(request);
      },
    ],
    [
      QUERY_QUEUE_LOCKS,
      (request) => {
        const group = requireString(request, 'consumerGroup');
        const lockTable = table.entries(group).map((entry) => ({
          mq: entry.queue,
          clientId: entry.clientId,
          lastUpdateTimestamp: entry.lastUpdateMs,
        }));
        return json(request, { lockTable });
      },
    ],
  ];
}

/** The lock or unlock body, or why it is unusable. */
function parseLockBody(body: Buffer | undefined): LockBody | string {
  if (!body || body.length === 0) return 'the request has no body';
  let value: unknown;
  try {
    value = parseLenientJson(body.toString('utf8'));
  } catch (error) {
    return `the body is not JSON: ${(error as Error).message}`;
  }
  if (typeof value !== 'object' || value === null) return 'the body is not an object';
  const v = value as Record<string, unknown>;
  const group = v['consumerGroup'];
  const clientId = v['clientId'];
  if (typeof group !== 'string' || group.length === 0) return 'the body has no consumerGroup';
  if (typeof clientId !== 'string' || clientId.length === 0) return 'the body has no clientId';
  const list = v['mqSet'];
  if (!Array.isArray(list)) return 'the body has no mqSet';
  if (list.length > MAX_QUEUES_PER_REQUEST)
    return `mqSet has ${list.length} queues, at most ${MAX_QUEUES_PER_REQUEST} allowed`;
  const mqSet: LockedQueue[] = [];
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) return 'mqSet holds a non-object';
    const q = entry as Record<string, unknown>;
    const queueId = Number(q['queueId']);
    if (
      typeof q['topic'] !== 'string' ||
      typeof q['brokerName'] !== 'string' ||
      !Number.isSafeInteger(queueId) ||
      queueId < 0
    )
      return 'mqSet holds a queue without topic, brokerName and queueId';
    mqSet.push({ topic: q['topic'], brokerName: q['brokerName'], queueId });
  }
  return { consumerGroup: group, clientId, mqSet };
}
