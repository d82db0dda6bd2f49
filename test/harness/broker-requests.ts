/** Requests tests and benchmarks send to brokers directly, built in one place. */
import type { RemotingCommand } from '../../src/remoting/index.ts';
import { createRequest, RequestCode } from '../../src/remoting/index.ts';

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
