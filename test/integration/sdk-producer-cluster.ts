/**
 * Raw remoting calls the producer integration tests use to set up and check real brokers:
 * topic creation (UPDATE_AND_CREATE_TOPIC), waiting for the name server's route, and reading
 * messages back with PULL_MESSAGE decoded by the SDK's message decoder.
 */
import { pullQueue } from '../harness/broker-requests.ts';
import { pino } from 'pino';
import type { MessageExt } from '../../src/client/core/message.ts';
import { parseRoute } from '../../src/client/core/route.ts';
import type { TopicRoute } from '../../src/client/core/route.ts';
import {
  createRequest,
  RemotingClient,
  RequestCode,
  ResponseCode,
} from '../../src/remoting/index.ts';
import { createTopicRequest } from '../harness/broker-requests.ts';

export const silent = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });

export class RawCalls {
  readonly client = new RemotingClient({ logger: silent });

  async createTopic(address: string, topic: string, queues: number): Promise<void> {
    const response = await this.client.invoke(address, createTopicRequest(topic, queues), 5000);
    if (response.code !== ResponseCode.SUCCESS)
      throw new Error(`create topic ${topic} at ${address}: ${response.code} ${response.remark}`);
  }

  async route(namesrv: string, topic: string): Promise<TopicRoute | undefined> {
    const response = await this.client.invoke(
      namesrv,
      createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }),
      5000,
    );
    if (response.code !== ResponseCode.SUCCESS || !response.body) return undefined;
    return parseRoute(response.body.toString('utf8'));
  }

  /** Waits (up to 10 s) until the name server routes topic to every one of brokerNames. */
  async waitForRoute(
    namesrv: string,
    topic: string,
    brokerNames: readonly string[],
  ): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const route = await this.route(namesrv, topic);
      const names = new Set(route?.queueDatas.map((q) => q.brokerName) ?? []);
      if (brokerNames.every((name) => names.has(name))) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the name server does not route ${topic} to ${brokerNames.join(', ')}`);
  }

  /** Up to 32 messages from queueOffset on. */
  async pull(
    address: string,
    topic: string,
    queueId: number,
    queueOffset: number,
  ): Promise<MessageExt[]> {
    return pullQueue(this.client, address, topic, queueId, queueOffset, 'sdk-producer-test');
  }

  /** Every message in the queue (bounded at 100,000). */
  async pullAll(address: string, topic: string, queueId: number): Promise<MessageExt[]> {
    const all: MessageExt[] = [];
    let queueOffset = 0;
    for (let guard = 0; guard < 100_000 / 32; guard++) {
      const batch = await this.pull(address, topic, queueId, queueOffset);
      if (batch.length === 0) return all;
      all.push(...batch);
      queueOffset = batch.at(-1)!.queueOffset + 1;
    }
    return all;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
