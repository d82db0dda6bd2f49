/**
 * Requests a broker or client sends to a name server, built as a Java peer builds them, so tests
 * can play a broker (REGISTER_BROKER with a topic table) without running one.
 */
import { RequestCode } from '../../src/remoting/codes.ts';
import { createRequest } from '../../src/remoting/command.ts';
import type { RemotingCommand } from '../../src/remoting/command.ts';
import { javaCrc32 } from '../../src/protocol/java-crc.ts';

export interface FakeTopic {
  topic: string;
  /** Read and write queues; default 4. */
  queues?: number;
  /** Default 6 (read and write). */
  perm?: number;
}

export interface FakeBroker {
  brokerAddr: string;
  clusterName?: string;
  brokerName?: string;
  /** 0 = master (default). */
  brokerId?: number;
  haServerAddr?: string;
  topics?: FakeTopic[];
  /** DataVersion counter; a new value makes the name server rebuild queue data. */
  counter?: number;
}

/** The RegisterBrokerBody JSON a Java broker sends (standard JSON). */
export function registerBrokerBody(broker: FakeBroker): Buffer {
  const topicConfigTable: Record<string, unknown> = {};
  for (const { topic, queues = 4, perm = 6 } of broker.topics ?? []) {
    topicConfigTable[topic] = {
      order: false,
      perm,
      readQueueNums: queues,
      topicFilterType: 'SINGLE_TAG',
      topicName: topic,
      topicSysFlag: 0,
      writeQueueNums: queues,
    };
  }
  return Buffer.from(
    JSON.stringify({
      filterServerList: [],
      topicConfigSerializeWrapper: {
        dataVersion: { counter: broker.counter ?? 1, timestamp: 1_700_000_000_000 },
        topicConfigTable,
      },
    }),
  );
}

export function registerBrokerRequest(broker: FakeBroker, body = registerBrokerBody(broker)) {
  return createRequest(
    RequestCode.REGISTER_BROKER,
    {
      brokerAddr: broker.brokerAddr,
      brokerName: broker.brokerName ?? 'broker-a',
      clusterName: broker.clusterName ?? 'DefaultCluster',
      brokerId: String(broker.brokerId ?? 0),
      haServerAddr: broker.haServerAddr ?? broker.brokerAddr.replace(/:\d+$/, ':10912'),
      compressed: 'false',
      bodyCrc32: String(javaCrc32(body)),
    },
    body,
  );
}

/**
 * GET_ROUTEINFO_BY_TOPIC. version below 401 (e.g. 317, V4_3_0) asks for the fastjson form with
 * bare broker-id keys; 401 and above, or acceptStandardJsonOnly, for standard JSON.
 */
export function routeRequest(
  topic: string,
  options: { version?: number; acceptStandardJsonOnly?: boolean } = {},
): RemotingCommand {
  const extFields: Record<string, string> = { topic };
  if (options.acceptStandardJsonOnly !== undefined) {
    extFields.acceptStandardJsonOnly = String(options.acceptStandardJsonOnly);
  }
  const request = createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, extFields);
  if (options.version !== undefined) request.version = options.version;
  return request;
}
