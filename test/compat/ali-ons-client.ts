/**
 * A typed wrapper around the real `ali-ons` 3.12.0 client (CommonJS, untyped) for the
 * compatibility tests: producers and clustering push consumers pointed at a ThrustMQ name
 * server, with the client's own logging captured instead of printed.
 * Facts about the client: /work/shared/protocol/clients/ali-ons.md.
 */
import { createRequire } from 'node:module';

export interface OnsMessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

/** A message as built for sending or as decoded from a pull. */
export interface OnsMessage {
  topic: string;
  body: Buffer;
  msgId: string | null;
  queueId: number | null;
  queueOffset: number | null;
  reconsumeTimes: number;
  properties: Record<string, string | null>;
  get tags(): string | null | undefined;
  set tags(value: string | null);
  /** The KEYS property (space-separated); set from an array. */
  get keys(): string | undefined;
  set keys(value: string[]);
  /** Property __SHARDING_KEY; the producer picks the queue from it. */
  shardingKey: string | undefined;
}

export interface OnsSendResult {
  sendStatus: string;
  msgId: string;
  /** queueId here is the response header text, e.g. "3". */
  messageQueue: OnsMessageQueue;
  queueOffset: number;
}

interface OnsEmitter {
  on(event: 'error', listener: (error: Error) => void): void;
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface OnsProducer extends OnsEmitter {
  send(message: OnsMessage): Promise<OnsSendResult>;
}

export interface OnsConsumer extends OnsEmitter {
  subscribe(
    topic: string,
    subExpression: string,
    handler: (message: OnsMessage) => Promise<void>,
  ): void;
}

interface OnsLogger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

interface AliOnsModule {
  Message: new (topic: string, tags: string | null, body: Buffer | string) => OnsMessage;
  Producer: (new (options: Record<string, unknown>) => OnsProducer) & {
    /** The process-wide CLIENT_INNER_PRODUCER, created by the first producer or consumer. */
    defaultProducer?: OnsProducer | null;
  };
  Consumer: new (options: Record<string, unknown>) => OnsConsumer;
}

const require = createRequire(import.meta.url);
const ons = require('ali-ons') as AliOnsModule;

/**
 * What ali-ons reports against any broker, RocketMQ's included: it asks for the route of
 * %RETRY%<group> before its first heartbeat has made the broker create that topic (and asks
 * again only every 30 s), and it warns whenever it refreshes a route it already had.
 */
const EXPECTED_PROBLEMS = [/%RETRY%/, /updateTopicPublishInfo\(\) prev is not null/];

/** Warnings and errors the client logged or emitted, kept for failure messages. */
export class ClientProblems {
  readonly lines: string[] = [];
  private static readonly MAX_LINES = 200;

  add(source: string, ...args: unknown[]): void {
    if (this.lines.length >= ClientProblems.MAX_LINES) return;
    const text = args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a)));
    this.lines.push(`${source}: ${text.join(' ')}`);
  }

  logger(source: string): OnsLogger {
    return {
      info: () => {},
      debug: () => {},
      warn: (...args) => this.add(`${source} warn`, ...args),
      error: (...args) => this.add(`${source} error`, ...args),
    };
  }

  /** Lines other than the client's routine complaints (EXPECTED_PROBLEMS). */
  unexpected(): string[] {
    return this.lines.filter((line) => !EXPECTED_PROBLEMS.some((pattern) => pattern.test(line)));
  }

  /** The last lines, for an assertion message. */
  tail(count = 20): string {
    return this.lines.slice(-count).join('\n');
  }
}

export function onsMessage(topic: string, tags: string | null, body: Buffer | string): OnsMessage {
  return new ons.Message(topic, tags, body);
}

export interface ClientOptions {
  nameServer: string;
  problems: ClientProblems;
  /** One MQClient exists per clientId (ip@instanceName): give every client its own. */
  instanceName: string;
}

export async function startProducer(
  options: ClientOptions & { producerGroup: string },
): Promise<OnsProducer> {
  const producer = new ons.Producer({
    // Asserted truthy by the client; only used for Aliyun's HTTP name-server lookup.
    httpclient: {},
    nameSrv: [options.nameServer],
    producerGroup: options.producerGroup,
    instanceName: options.instanceName,
    logger: options.problems.logger(`producer ${options.instanceName}`),
  });
  const onError = (error: Error) =>
    options.problems.add(`producer ${options.instanceName} event`, error);
  producer.on('error', onError);
  // close() drops every listener, but the MQClient it shares with the inner producer lives on
  // and still forwards its errors here: without a listener they would be thrown.
  const close = producer.close.bind(producer);
  producer.close = async () => {
    await close();
    producer.on('error', onError);
  };
  await producer.ready();
  return producer;
}

/**
 * Closes the client's process-wide inner producer, which otherwise keeps the first client's
 * MQClient (its sockets, 30 s heartbeats and route polls) alive after every client closed.
 */
export async function closeInnerProducer(problems: ClientProblems): Promise<void> {
  const inner = ons.Producer.defaultProducer;
  if (!inner) return;
  ons.Producer.defaultProducer = null;
  inner.on('error', (error) => problems.add('inner producer event', error));
  await inner.close();
  inner.on('error', (error) => problems.add('inner producer event', error));
}

export interface ConsumerOptions extends ClientOptions {
  consumerGroup: string;
  topic: string;
  subExpression: string;
  onMessage: (message: OnsMessage) => void;
  /** Messages handled at once per topic; the client's default is 1. */
  parallelConsumeLimit?: number;
}

export async function startConsumer(options: ConsumerOptions): Promise<OnsConsumer> {
  const consumer = new ons.Consumer({
    httpclient: {},
    nameSrv: [options.nameServer],
    consumerGroup: options.consumerGroup,
    instanceName: options.instanceName,
    parallelConsumeLimit: options.parallelConsumeLimit ?? 1,
    logger: options.problems.logger(`consumer ${options.instanceName}`),
  });
  consumer.on('error', (error) =>
    options.problems.add(`consumer ${options.instanceName} event`, error),
  );
  await consumer.ready();
  consumer.subscribe(options.topic, options.subExpression, async (message) => {
    options.onMessage(message);
  });
  return consumer;
}
