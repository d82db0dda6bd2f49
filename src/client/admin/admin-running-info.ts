/**
 * Admin.consumerRunningInfo: a consumer's running state (GET_CONSUMER_RUNNING_INFO, 307), asked
 * through a master that has the client connected, which forwards it to the client. The
 * answer's mqTable is keyed by MessageQueue objects in fastjson's form; here it becomes a list.
 */
import type { RemotingCommand } from '../../remoting/index.ts';
import {
  createRequest,
  parseLenientJson,
  RequestCode,
  ResponseCode,
} from '../../remoting/index.ts';
import type { ClientInstance } from '../core/client-instance.ts';
import { GroupNotOnlineError } from './admin-connections.ts';
import { errorFromResponse } from '../core/errors.ts';
import type { MessageQueue } from '../core/route.ts';
import { validateGroup } from '../consumer/subscription.ts';

export interface ProcessQueueInfo {
  commitOffset: number;
  cachedMsgMinOffset: number;
  cachedMsgMaxOffset: number;
  cachedMsgCount: number;
  cachedMsgSizeInMiB: number;
  locked: boolean;
  droped: boolean;
  lastPullTimestamp: number;
  lastConsumeTimestamp: number;
  [field: string]: unknown;
}

export interface ConsumerRunningInfo {
  clientId: string;
  properties: Record<string, string>;
  subscriptions: Array<{ topic: string; subString: string; expressionType: string }>;
  queues: Array<{ queue: MessageQueue; info: ProcessQueueInfo }>;
  statusTable: Record<string, unknown>;
}

export async function consumerRunningInfo(
  client: ClientInstance,
  masters: () => Promise<string[]>,
  group: string,
  clientId: string,
): Promise<ConsumerRunningInfo> {
  validateGroup(group);
  const what = `running info of consumer ${clientId} in group ${group}`;
  let last: { response: RemotingCommand; address: string } | undefined;
  const addresses = await masters();
  for (const address of addresses) {
    const response = await client.invokeBroker(
      address,
      createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, {
        consumerGroup: group,
        clientId,
        jstackEnable: 'false',
      }),
      what,
    );
    if (response.code === ResponseCode.SUCCESS && response.body)
      return parseRunningInfo(clientId, response.body.toString('utf8'));
    last = { response, address };
  }
  // Each master answers "not online" unless the client is connected to it.
  if (!last || last.response.remark?.endsWith('not online'))
    throw new GroupNotOnlineError('consumer', group, addresses, last?.response);
  throw errorFromResponse(last.response.code, last.response.remark, last.address, what);
}

function parseRunningInfo(clientId: string, text: string): ConsumerRunningInfo {
  const raw = parseLenientJson(text) as {
    properties?: Record<string, unknown>;
    subscriptionSet?: Array<Record<string, unknown>>;
    mqTable?: Record<string, ProcessQueueInfo>;
    statusTable?: Record<string, unknown>;
  };
  const queues = Object.entries(raw.mqTable ?? {}).map(([key, info]) => {
    // The parser turns an object key into its compact JSON text.
    const queue = JSON.parse(key) as MessageQueue;
    return {
      queue: { topic: queue.topic, brokerName: queue.brokerName, queueId: queue.queueId },
      info,
    };
  });
  queues.sort(
    (a, b) =>
      a.queue.topic.localeCompare(b.queue.topic) ||
      a.queue.brokerName.localeCompare(b.queue.brokerName) ||
      a.queue.queueId - b.queue.queueId,
  );
  return {
    clientId,
    properties: Object.fromEntries(
      Object.entries(raw.properties ?? {}).map(([k, v]) => [k, String(v)]),
    ),
    subscriptions: (raw.subscriptionSet ?? []).map((s) => ({
      topic: String(s['topic']),
      subString: String(s['subString']),
      expressionType: String(s['expressionType'] ?? 'TAG'),
    })),
    queues,
    statusTable: raw.statusTable ?? {},
  };
}
