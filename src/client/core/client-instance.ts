/**
 * What every producer, consumer and admin client needs from the cluster: name-server calls
 * (switching servers on failure), cached topic routes refreshed every 30 s, broker calls with
 * typed errors, heartbeats to every known broker every 30 s, and the broker-to-client
 * requests (e.g. NOTIFY_CONSUMER_IDS_CHANGED).
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { RemotingCommand, RequestHandler } from '../../remoting/index.ts';
import {
  createRequest,
  createResponse,
  RemotingClient,
  RequestCode,
  ResponseCode,
} from '../../remoting/index.ts';
import {
  ClientClosedError,
  errorFromRemoting,
  errorFromResponse,
  InvalidArgumentError,
  NoRouteError,
} from './errors.ts';
import type { TopicRoute } from './route.ts';
import { parseRoute } from './route.ts';
import { clientIpv4 } from './unique-id.ts';

export interface ClientOptions {
  /** Name servers as "host:port;host:port"; NAMESRV_ADDR when not given. */
  namesrvAddr?: string;
  /** Distinguishes several clients in one process; default: the pid and a counter. */
  instanceName?: string;
  /** Timeout of calls other than sends and pulls, ms (default 3000). */
  requestTimeoutMs?: number;
  logger?: Logger;
}

export interface HeartbeatContribution {
  producerDataSet?: Array<{ groupName: string }>;
  consumerDataSet?: unknown[];
}

const ROUTE_REFRESH_MS = 30_000;
const HEARTBEAT_MS = 30_000;
let instances = 0;

export function nameServersFrom(value: string | undefined): string[] {
  const text = value ?? process.env['NAMESRV_ADDR'] ?? '';
  const list = text
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (list.length === 0) {
    throw new InvalidArgumentError(
      'no name server: pass namesrvAddr ("host:9876;host2:9876") or set NAMESRV_ADDR',
    );
  }
  for (const address of list) {
    if (!/^[^:\s]+:\d{1,5}$/.test(address))
      throw new InvalidArgumentError(
        `namesrvAddr entry ${JSON.stringify(address)} is not host:port`,
      );
  }
  return list;
}

export class ClientInstance {
  readonly clientId: string;
  readonly logger: Logger;
  readonly requestTimeoutMs: number;
  private readonly remoting: RemotingClient;
  private readonly nameServers: string[];
  private nameServerIndex: number;
  private readonly routes = new Map<string, TopicRoute>();
  private readonly routeListeners: Array<(topic: string, route: TopicRoute) => void> = [];
  private readonly heartbeatSources = new Set<() => HeartbeatContribution>();
  private readonly requestHandlers = new Map<number, RequestHandler>();
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(options: ClientOptions = {}) {
    this.nameServers = nameServersFrom(options.namesrvAddr);
    this.nameServerIndex = Math.floor(Math.random() * this.nameServers.length);
    this.logger = (options.logger ?? pino({ level: 'warn' })).child({ component: 'client' });
    this.requestTimeoutMs = options.requestTimeoutMs ?? 3000;
    this.clientId = `${clientIpv4()}@${options.instanceName ?? `${process.pid}#${++instances}`}`;
    this.remoting = new RemotingClient({
      logger: this.logger,
      onRequest: (request, connection) => {
        const handler = this.requestHandlers.get(request.code);
        if (handler) return handler(request, connection);
        return createResponse(
          request,
          ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
          `request type ${request.code} not supported`,
        );
      },
    });
    this.timers.push(setInterval(() => void this.refreshRoutes(), ROUTE_REFRESH_MS).unref());
    this.timers.push(setInterval(() => void this.sendHeartbeats(), HEARTBEAT_MS).unref());
  }

  /** Handles a request a broker sends to this client. */
  onRequest(code: number, handler: RequestHandler): void {
    this.requestHandlers.set(code, handler);
  }

  onRouteChange(listener: (topic: string, route: TopicRoute) => void): void {
    this.routeListeners.push(listener);
  }

  addHeartbeatSource(source: () => HeartbeatContribution): () => void {
    this.heartbeatSources.add(source);
    return () => this.heartbeatSources.delete(source);
  }

  /** The topic's route, from the cache unless refresh is asked or nothing is cached. */
  async route(topic: string, refresh = false): Promise<TopicRoute> {
    const cached = this.routes.get(topic);
    if (cached && !refresh) return cached;
    const response = await this.invokeNameServer(
      createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }),
      `route of topic ${topic}`,
    );
    if (response.code === ResponseCode.TOPIC_NOT_EXIST) {
      throw new NoRouteError(`no route for topic ${topic}: ${response.remark ?? 'not found'}`, {
        responseCode: response.code,
        remark: response.remark,
      });
    }
    if (response.code !== ResponseCode.SUCCESS || !response.body) {
      throw errorFromResponse(
        response.code,
        response.remark,
        'name server',
        `route of topic ${topic}`,
      );
    }
    const route = parseRoute(response.body.toString('utf8'));
    const previous = this.routes.get(topic);
    this.routes.set(topic, route);
    if (!previous || JSON.stringify(previous) !== JSON.stringify(route)) {
      for (const listener of this.routeListeners) listener(topic, route);
    }
    return route;
  }

  cachedRoute(topic: string): TopicRoute | undefined {
    return this.routes.get(topic);
  }

  /** A request to the name servers: tries each once, starting with the last one that worked. */
  async invokeNameServer(
    request: RemotingCommand,
    what: string,
    timeoutMs = this.requestTimeoutMs,
  ): Promise<RemotingCommand> {
    this.assertOpen();
    let lastError: unknown;
    for (let tried = 0; tried < this.nameServers.length; tried++) {
      const address = this.nameServers[this.nameServerIndex]!;
      try {
        return await this.remoting.invoke(address, { ...request }, timeoutMs);
      } catch (error) {
        lastError = errorFromRemoting(error, address, what);
        this.nameServerIndex = (this.nameServerIndex + 1) % this.nameServers.length;
      }
    }
    throw lastError;
  }

  /** A request to a broker; connection failures and timeouts become typed errors. */
  async invokeBroker(
    address: string,
    request: RemotingCommand,
    what: string,
    timeoutMs = this.requestTimeoutMs,
  ): Promise<RemotingCommand> {
    this.assertOpen();
    try {
      return await this.remoting.invoke(address, request, timeoutMs);
    } catch (error) {
      throw errorFromRemoting(error, address, what);
    }
  }

  async invokeBrokerOneway(address: string, request: RemotingCommand): Promise<void> {
    this.assertOpen();
    try {
      await this.remoting.invokeOneway(address, request);
    } catch (error) {
      throw errorFromRemoting(error, address, 'one-way request');
    }
  }

  /** Every broker address in the cached routes (masterOnly: id 0 only). */
  brokerAddresses(masterOnly = false): string[] {
    const addresses = new Set<string>();
    for (const route of this.routes.values()) {
      for (const broker of route.brokerDatas) {
        for (const [id, address] of Object.entries(broker.brokerAddrs)) {
          if (!masterOnly || id === '0') addresses.add(address);
        }
      }
    }
    return [...addresses];
  }

  async sendHeartbeats(): Promise<void> {
    if (this.closed || this.heartbeatSources.size === 0) return;
    const producers: Array<{ groupName: string }> = [];
    const consumers: unknown[] = [];
    for (const source of this.heartbeatSources) {
      const part = source();
      producers.push(...(part.producerDataSet ?? []));
      consumers.push(...(part.consumerDataSet ?? []));
    }
    const body = Buffer.from(
      JSON.stringify({
        clientID: this.clientId,
        consumerDataSet: consumers,
        producerDataSet: producers,
      }),
    );
    await Promise.all(
      this.brokerAddresses(consumers.length === 0).map(async (address) => {
        try {
          const response = await this.invokeBroker(
            address,
            createRequest(RequestCode.HEART_BEAT, {}, body),
            'heartbeat',
          );
          if (response.code !== ResponseCode.SUCCESS)
            this.logger.warn(
              { address, code: response.code, remark: response.remark },
              'heartbeat refused',
            );
        } catch (error) {
          this.logger.debug({ address, err: (error as Error).message }, 'heartbeat failed');
        }
      }),
    );
  }

  async refreshRoutes(): Promise<void> {
    for (const topic of [...this.routes.keys()]) {
      if (this.closed) return;
      try {
        await this.route(topic, true);
      } catch (error) {
        this.logger.debug({ topic, err: (error as Error).message }, 'route refresh failed');
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.remoting.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientClosedError(`client ${this.clientId}`);
  }
}
