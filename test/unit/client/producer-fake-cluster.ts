/**
 * A scripted name server and brokers on real sockets (127.0.0.1, port 0) for producer unit
 * tests: they record every request and answer as each test tells them, so tests can see the
 * exact header a producer sends and make brokers fail, stall or answer any response code.
 */
import { pino } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { Producer } from '../../../src/client/producer/producer.ts';
import type { ProducerOptions } from '../../../src/client/producer/producer.ts';
import type { RemotingCommand } from '../../../src/remoting/index.ts';
import {
  createResponse,
  RemotingServer,
  RequestCode,
  ResponseCode,
} from '../../../src/remoting/index.ts';
import type { TopicRoute } from '../../../src/client/core/route.ts';

export const silent = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });

/** How a broker answers a send; undefined leaves the request unanswered. */
export type SendAnswer = (
  request: RemotingCommand,
  broker: FakeBroker,
) => RemotingCommand | undefined;

export class FakeBroker {
  readonly name: string;
  readonly server: RemotingServer;
  readonly sends: RemotingCommand[] = [];
  readonly heartbeats: RemotingCommand[] = [];
  readonly unregisters: RemotingCommand[] = [];
  address = '';
  answer: SendAnswer = (request, broker) => broker.stored(request);
  #nextOffset = 0;
  #nextPhysicalOffset = 0;

  private constructor(name: string) {
    this.name = name;
    this.server = new RemotingServer({ port: 0, host: '127.0.0.1', logger: silent, name });
    const onSend = (request: RemotingCommand): RemotingCommand | undefined => {
      this.sends.push(request);
      return this.answer(request, this);
    };
    this.server.registerHandler(RequestCode.SEND_MESSAGE_V2, onSend);
    this.server.registerHandler(RequestCode.SEND_BATCH_MESSAGE, onSend);
    this.server.registerHandler(RequestCode.HEART_BEAT, (request) => {
      this.heartbeats.push(request);
      return createResponse(request);
    });
    this.server.registerHandler(RequestCode.UNREGISTER_CLIENT, (request) => {
      this.unregisters.push(request);
      return createResponse(request);
    });
  }

  static async start(name: string): Promise<FakeBroker> {
    const broker = new FakeBroker(name);
    broker.address = `127.0.0.1:${await broker.server.listen()}`;
    return broker;
  }

  /** A success (or another storing code) with the header a broker sends. */
  stored(request: RemotingCommand, code: number = ResponseCode.SUCCESS): RemotingCommand {
    const offset = this.#nextOffset++;
    const physical = this.#nextPhysicalOffset;
    this.#nextPhysicalOffset += 100;
    const msgId = `7F000001${(this.server.port >>> 0).toString(16).toUpperCase().padStart(8, '0')}${physical.toString(16).toUpperCase().padStart(16, '0')}`;
    const queueId = Number(request.extFields?.['e'] ?? 0);
    return createResponse(request, code, undefined, {
      msgId,
      queueId: String(queueId < 0 ? 0 : queueId),
      queueOffset: String(offset),
      MSG_REGION: 'DefaultRegion',
      TRACE_ON: 'true',
    });
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

export class FakeNameServer {
  readonly server: RemotingServer;
  readonly routes = new Map<string, TopicRoute>();
  readonly lookups: string[] = [];
  address = '';

  private constructor() {
    this.server = new RemotingServer({ port: 0, host: '127.0.0.1', logger: silent, name: 'ns' });
    this.server.registerHandler(RequestCode.GET_ROUTEINFO_BY_TOPIC, (request) => {
      const topic = request.extFields?.['topic'] ?? '';
      this.lookups.push(topic);
      const route = this.routes.get(topic);
      if (route === undefined)
        return createResponse(
          request,
          ResponseCode.TOPIC_NOT_EXIST,
          `No topic route info in name server for the topic: ${topic}`,
        );
      return createResponse(
        request,
        ResponseCode.SUCCESS,
        undefined,
        undefined,
        Buffer.from(JSON.stringify(route)),
      );
    });
  }

  static async start(): Promise<FakeNameServer> {
    const ns = new FakeNameServer();
    ns.address = `127.0.0.1:${await ns.server.listen()}`;
    return ns;
  }

  /** Routes topic to each broker with `queues` read/write queues, perm 6. */
  route(topic: string, brokers: readonly FakeBroker[], queues: number, perm = 6): void {
    this.routes.set(topic, {
      queueDatas: brokers.map((b) => ({
        brokerName: b.name,
        readQueueNums: queues,
        writeQueueNums: queues,
        perm,
        topicSysFlag: 0,
      })),
      brokerDatas: brokers.map((b) => ({
        cluster: 'FakeCluster',
        brokerName: b.name,
        brokerAddrs: { '0': b.address },
      })),
    });
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/** The properties of a send request's header, decoded. */
export function headerProperties(request: RemotingCommand): Record<string, string> {
  const text = request.extFields?.['i'] ?? '';
  const out: Record<string, string> = {};
  for (const entry of text.split('\u0002')) {
    const at = entry.indexOf('\u0001');
    if (at > 0) out[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return out;
}

export interface FakeCluster {
  ns: FakeNameServer;
  brokers: FakeBroker[];
  /** A started producer on this cluster, shut down after the test. */
  producer(options?: Partial<ProducerOptions>): Promise<Producer>;
}

/** A fake name server and brokers broker-a and broker-b, fresh for each test of the file. */
export function useFakeCluster(): FakeCluster {
  const producers: Producer[] = [];
  const cluster: FakeCluster = {
    ns: undefined as unknown as FakeNameServer,
    brokers: [],
    producer: async (options = {}) => {
      const p = new Producer({
        group: 'PG',
        namesrvAddr: cluster.ns.address,
        logger: silent,
        ...options,
      });
      producers.push(p);
      await p.start();
      return p;
    },
  };
  beforeEach(async () => {
    cluster.ns = await FakeNameServer.start();
    cluster.brokers = [await FakeBroker.start('broker-a'), await FakeBroker.start('broker-b')];
  });
  afterEach(async () => {
    for (const producer of producers.splice(0)) await producer.shutdown();
    for (const broker of cluster.brokers) await broker.close();
    await cluster.ns.close();
  });
  return cluster;
}
