/**
 * The producer: sends single messages (SEND_MESSAGE_V2), one-way messages and batches
 * (SEND_BATCH_MESSAGE) to the master of a queue chosen round robin, as the Java producer does
 * (protocol/REMOTING.md 11.1, 13, 14.2). Sends are independent promises: many may be in flight
 * at once over the one shared connection per broker, and nothing waits for another.
 *
 * A send without a chosen queue is retried up to retryTimesWhenSendFailed times on another
 * broker after a connection failure, a timeout or a retriable code, all within sendTimeoutMs;
 * a broker that failed is avoided for 30 s while others are left. Sends to a chosen queue
 * (queue, selector, shardingKey) and one-way sends get one attempt, as in Java: a retry on
 * another queue would break the order they were chosen for.
 */
import type { Logger } from 'pino';
import type { RemotingCommand } from '../../remoting/index.ts';
import { createRequest, RequestCode } from '../../remoting/index.ts';
import { encodeBatch } from './batch-encoder.ts';
import type { ClientOptions } from '../core/client-instance.ts';
import { ClientInstance, nameServersFrom } from '../core/client-instance.ts';
import { withDeadline } from '../core/deadline.ts';
import {
  ClientClosedError,
  errorFromRemoting,
  errorFromResponse,
  InvalidArgumentError,
  MQClientError,
  NoRouteError,
  TimeoutError,
} from '../core/errors.ts';
import { LatencyFaultTable } from './latency-fault.ts';
import type { Message } from '../core/message.ts';
import { encodeMessage } from './outgoing-message.ts';
import type { OutgoingMessage } from './outgoing-message.ts';
import type { FilledProducerOptions, ProducerOptions } from './producer-options.ts';
import { fillProducerOptions } from './producer-options.ts';
import type { PublishInfo } from './publish-routes.ts';
import { PublishRoutes, selectQueue } from './publish-routes.ts';
import type { MessageQueue } from '../core/route.ts';
import { masterAddress } from '../core/route.ts';
import type { BatchSendOptions, SendOptions, Target } from './send-options.ts';
import { checkQueue, selectedQueue, targetOf } from './send-options.ts';
import { batchSendRequest, singleSendRequest } from './send-request.ts';
import type { SendResult } from './send-result.ts';
import { isBrokerFault, isRetriable, sendResultOf, sendStatusOf } from './send-result.ts';

export type { ProducerOptions } from './producer-options.ts';
export type { SendResult, SendStatus } from './send-result.ts';
export type { QueueSelector } from './queue-selector.ts';
export { selectByHash } from './queue-selector.ts';
export type { BatchSendOptions, SendOptions } from './send-options.ts';

/** What one attempt sends, built anew per attempt (fresh opaque, bornTimestamp, queue). */
interface Outgoing {
  topic: string;
  msgId: string;
  /** "send to topic X", for errors. */
  what: string;
  request(queue: MessageQueue): RemotingCommand;
}

/** A single message's send: a class, not a closure per send, on the hottest path. */
class SingleOutgoing implements Outgoing {
  readonly topic: string;
  readonly msgId: string;
  private readonly options: FilledProducerOptions;

  get what(): string {
    return `send to topic ${this.topic}`;
  }

  private readonly message: OutgoingMessage;

  constructor(options: FilledProducerOptions, message: OutgoingMessage) {
    this.options = options;
    this.message = message;
    this.topic = message.topic;
    this.msgId = message.uniqKey;
  }

  request(queue: MessageQueue): RemotingCommand {
    return singleSendRequest(this.options, this.message, queue);
  }
}

const State = { CREATED: 'created', RUNNING: 'running', CLOSED: 'closed' } as const;
type State = (typeof State)[keyof typeof State];

export class Producer {
  readonly #options: FilledProducerOptions;
  readonly #clientOptions: ClientOptions;
  readonly #faults = new LatencyFaultTable();
  #state: State = State.CREATED;
  #client: ClientInstance | undefined;
  #routes: PublishRoutes | undefined;
  #log: Logger | undefined;
  #removeHeartbeatSource: (() => void) | undefined;
  #inflight = 0;
  #idle: (() => void) | undefined;

  constructor(options: ProducerOptions) {
    this.#options = fillProducerOptions(options);
    nameServersFrom(options.namesrvAddr);
    this.#clientOptions = {
      namesrvAddr: options.namesrvAddr,
      instanceName: options.instanceName,
      requestTimeoutMs: options.requestTimeoutMs,
      logger: options.logger,
    };
  }

  get group(): string {
    return this.#options.group;
  }

  /** Registers with brokers by heartbeat; sends are refused before start(). */
  async start(): Promise<void> {
    if (this.#state === State.RUNNING) return;
    if (this.#state === State.CLOSED) throw new ClientClosedError(`producer ${this.group}`);
    const client = new ClientInstance(this.#clientOptions);
    this.#client = client;
    this.#log = client.logger.child({ component: 'producer', group: this.group });
    this.#routes = new PublishRoutes(client, this.#options.defaultTopicQueueNums, () => {
      client.sendHeartbeats().catch(() => undefined);
    });
    this.#removeHeartbeatSource = client.addHeartbeatSource(() => ({
      producerDataSet: [{ groupName: this.group }],
    }));
    this.#state = State.RUNNING;
    await client.sendHeartbeats();
  }

  send(message: Message, options: SendOptions = {}): Promise<SendResult> {
    return this.#track(this.#sendMessage(message, options, false)) as Promise<SendResult>;
  }

  /** Resolves once the request is written; the broker does not answer. */
  async sendOneway(message: Message, options: SendOptions = {}): Promise<void> {
    await this.#track(this.#sendMessage(message, options, true));
  }

  sendBatch(messages: readonly Message[], options: BatchSendOptions = {}): Promise<SendResult> {
    return this.#track(this.#sendBatch(messages, options));
  }

  /** The topic's publish queues, e.g. to pick one for send({ queue }). */
  async publishQueues(topic: string): Promise<MessageQueue[]> {
    const routes = this.#running();
    return [...(await routes.info(topic)).queues];
  }

  /** Waits for sends in flight, unregisters from every broker and closes the connections. */
  async shutdown(): Promise<void> {
    if (this.#state === State.CLOSED) return;
    this.#state = State.CLOSED;
    const client = this.#client;
    if (client === undefined) return;
    if (this.#inflight > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    this.#removeHeartbeatSource?.();
    await Promise.all(
      client.brokerAddresses(true).map(async (address) => {
        try {
          const response = await client.invokeBroker(
            address,
            createRequest(RequestCode.UNREGISTER_CLIENT, {
              clientID: client.clientId,
              producerGroup: this.group,
            }),
            'unregister client',
          );
          if (response.code !== 0)
            this.#log?.warn({ address, code: response.code }, 'unregister refused');
        } catch (error) {
          this.#log?.debug({ address, err: (error as Error).message }, 'unregister failed');
        }
      }),
    );
    await client.close();
  }

  #running(): PublishRoutes {
    if (this.#state === State.CLOSED) throw new ClientClosedError(`producer ${this.group}`);
    if (this.#routes === undefined)
      throw new InvalidArgumentError(`producer ${this.group} is not started: call start() first`);
    return this.#routes;
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inflight++;
    return work.finally(() => {
      if (--this.#inflight === 0 && this.#idle !== undefined) {
        this.#idle();
        this.#idle = undefined;
      }
    });
  }

  #sendMessage(
    message: Message,
    options: SendOptions,
    oneway: boolean,
  ): Promise<SendResult | undefined> {
    try {
      const startMs = Date.now();
      const routes = this.#running();
      const deadlineMs = startMs + this.#timeoutOf(options.timeoutMs);
      const target = targetOf(options);
      const encoded = encodeMessage(message, this.#options);
      if (encoded instanceof Promise) {
        return encoded.then((ready) =>
          this.#dispatch(
            routes,
            new SingleOutgoing(this.#options, ready),
            target,
            message,
            deadlineMs,
            oneway,
          ),
        );
      }
      return this.#dispatch(
        routes,
        new SingleOutgoing(this.#options, encoded),
        target,
        message,
        deadlineMs,
        oneway,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #sendBatch(messages: readonly Message[], options: BatchSendOptions): Promise<SendResult> {
    const startMs = Date.now();
    const routes = this.#running();
    const timeoutMs = this.#timeoutOf(options.timeoutMs);
    const target: Target =
      options.queue === undefined ? { kind: 'any' } : { kind: 'queue', queue: options.queue };
    const batch = encodeBatch(messages, this.#options.maxMessageSize);
    const outgoing: Outgoing = {
      topic: batch.topic,
      msgId: batch.uniqKeys.join(','),
      what: `send to topic ${batch.topic}`,
      request: (queue) => batchSendRequest(this.#options, batch, queue),
    };
    const first = messages[0]!;
    return (await this.#dispatch(routes, outgoing, target, first, startMs + timeoutMs, false))!;
  }

  async #dispatch(
    routes: PublishRoutes,
    outgoing: Outgoing,
    target: Target,
    message: Message,
    deadlineMs: number,
    oneway: boolean,
  ): Promise<SendResult | undefined> {
    if (target.kind === 'queue') checkQueue(target.queue, outgoing.topic);
    const cached = routes.info(outgoing.topic);
    const info =
      cached instanceof Promise
        ? await withDeadline(cached, deadlineMs, `route lookup for topic ${outgoing.topic}`)
        : cached;
    if (target.kind === 'any') {
      const attempts = oneway ? 1 : 1 + this.#options.retryTimesWhenSendFailed;
      return this.#sendWithRetries(routes, info, outgoing, deadlineMs, attempts, oneway);
    }
    const queue =
      target.kind === 'queue' ? target.queue : selectedQueue(info, target, message, outgoing.topic);
    try {
      return await this.#attempt(info, queue, outgoing, deadlineMs - Date.now(), oneway);
    } catch (error) {
      if (isBrokerFault(error)) this.#faults.failed(queue.brokerName);
      if (isRetriable(error)) routes.refreshSoon(outgoing.topic);
      throw error;
    }
  }

  async #sendWithRetries(
    routes: PublishRoutes,
    first: PublishInfo,
    outgoing: Outgoing,
    deadlineMs: number,
    attempts: number,
    oneway: boolean,
  ): Promise<SendResult | undefined> {
    const triedBrokers: string[] = [];
    let lastError: unknown;
    let attempt = 0;
    for (; attempt < attempts; attempt++) {
      const remainingMs = deadlineMs - Date.now();
      if (remainingMs <= 0) break;
      const info = routes.current(outgoing.topic) ?? first;
      const queue = selectQueue(info, triedBrokers, this.#faults);
      triedBrokers.push(queue.brokerName);
      try {
        return await this.#attempt(info, queue, outgoing, remainingMs, oneway);
      } catch (error) {
        lastError = error;
        if (isBrokerFault(error)) this.#faults.failed(queue.brokerName);
        if (!isRetriable(error)) throw error;
        routes.refreshSoon(outgoing.topic);
        this.#log?.debug(
          {
            topic: outgoing.topic,
            broker: queue.brokerName,
            attempt,
            err: (error as Error).message,
          },
          'send attempt failed',
        );
      }
    }
    if (Date.now() >= deadlineMs && !(lastError instanceof TimeoutError)) {
      throw new TimeoutError(
        `send to topic ${outgoing.topic} timed out after ${attempt} attempt(s)`,
        { cause: lastError },
      );
    }
    if (lastError instanceof MQClientError)
      lastError.message += ` (send to topic ${outgoing.topic}, ${attempt} attempt(s))`;
    throw lastError;
  }

  async #attempt(
    info: PublishInfo,
    queue: MessageQueue,
    outgoing: Outgoing,
    timeoutMs: number,
    oneway: boolean,
  ): Promise<SendResult | undefined> {
    const client = this.#client!;
    const what = outgoing.what;
    if (timeoutMs <= 0) throw new TimeoutError(`${what} timed out before an attempt`);
    const address = masterAddress(info.route, queue.brokerName);
    if (address === undefined)
      throw new NoRouteError(`${what}: broker ${queue.brokerName} has no master in the route`);
    const request = outgoing.request(queue);
    if (oneway) {
      try {
        await withDeadline(
          client.invokeBrokerOneway(address, request),
          Date.now() + timeoutMs,
          what,
        );
      } catch (error) {
        throw errorFromRemoting(error, address, what);
      }
      this.#faults.succeeded(queue.brokerName);
      return undefined;
    }
    const response = await client.invokeBroker(address, request, what, timeoutMs);
    const status = sendStatusOf(response.code);
    if (status === undefined)
      throw errorFromResponse(response.code, response.remark, address, what);
    this.#faults.succeeded(queue.brokerName);
    return sendResultOf(response, status, queue, outgoing.msgId);
  }

  #timeoutOf(timeoutMs: number | undefined): number {
    if (timeoutMs === undefined) return this.#options.sendTimeoutMs;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > 2 ** 31 - 1)
      throw new InvalidArgumentError(
        `options.timeoutMs must be a positive integer, got ${timeoutMs}`,
      );
    return timeoutMs;
  }
}
