/**
 * A running name server: the remoting server with the name-server handlers, the KV config
 * loaded from disk, and the housekeeping that drops silent brokers (first scan after 5 s, then
 * every scanNotActiveBrokerInterval; protocol/REMOTING.md 10). A closed broker connection drops
 * the brokers registered over it at once.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';
import { RemotingServer } from '../remoting/server.ts';
import { remotingServerLimits } from '../remoting/server-limits-config.ts';
import { KvConfigManager } from './kv-config-manager.ts';
import type { NameServerConfig } from './namesrv-config.ts';
import { parseNamesrvConfig } from './namesrv-config.ts';
import { createNamesrvHandlers } from './namesrv-processor.ts';
import { RouteInfoManager } from './route-info-manager.ts';
import type { RouteLimits } from './route-limits.ts';

/** RocketMQ runs the first scan 5 s after start; shorter intervals (tests) start sooner. */
const FIRST_SCAN_DELAY_MS = 5000;

export interface NameServer {
  /** The bound port (the real one when listenPort is 0). */
  readonly port: number;
  /** "host:port" to dial: the listen host, or 127.0.0.1 when bound to every interface. */
  readonly address: string;
  readonly config: Readonly<NameServerConfig>;
  /** Stops housekeeping and the server; idempotent. */
  close(): Promise<void>;
}

export interface StartNameServerOptions extends Partial<NameServerConfig> {
  logger?: Logger;
  /** Table limits; defaults hold 100,000 topics and 10,000 broker addresses. */
  limits?: Partial<RouteLimits>;
}

export async function startNameServer(options: StartNameServerOptions = {}): Promise<NameServer> {
  const { logger: givenLogger, limits, ...configInput } = options;
  const config = parseNamesrvConfig(configInput);
  const rootLogger = givenLogger ?? pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const logger = rootLogger.child({ component: 'namesrv' });

  const kvConfig = new KvConfigManager(config.kvConfigPath, logger.child({ part: 'kv-config' }));
  kvConfig.load();
  const routes = new RouteInfoManager({
    logger: logger.child({ part: 'routes' }),
    brokerExpireMs: config.brokerExpireMs,
    limits,
  });
  const server = new RemotingServer(
    {
      port: config.listenPort,
      host: config.listenHost,
      logger: rootLogger,
      name: 'namesrv',
      ...remotingServerLimits(config),
    },
    createNamesrvHandlers({
      routes,
      kvConfig,
      orderMessageEnable: config.orderMessageEnable,
      logger,
    }),
  );
  server.onConnectionClose((connection) => routes.onConnectionClose(connection.id));
  const port = await server.listen();

  const scan = (): void => {
    const expired = routes.scanNotActiveBrokers();
    if (expired.length === 0) return;
    // As RocketMQ does, close the expired broker's channel so it reconnects and re-registers.
    const ids = new Set(expired.map((broker) => broker.connection));
    for (const connection of server.connections) {
      if (ids.has(connection.id)) connection.close();
    }
  };
  let interval: NodeJS.Timeout | undefined;
  const first = setTimeout(
    () => {
      scan();
      interval = setInterval(scan, config.scanNotActiveBrokerIntervalMs);
      interval.unref();
    },
    Math.min(FIRST_SCAN_DELAY_MS, config.scanNotActiveBrokerIntervalMs),
  );
  first.unref();

  const host = config.listenHost;
  const dialHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const address = `${dialHost.includes(':') ? `[${dialHost}]` : dialHost}:${port}`;
  logger.info({ port, host, kvConfigPath: config.kvConfigPath }, 'name server started');

  let closing: Promise<void> | undefined;
  return {
    port,
    address,
    config,
    close(): Promise<void> {
      closing ??= (async () => {
        clearTimeout(first);
        if (interval !== undefined) clearInterval(interval);
        await server.close();
        await kvConfig.flush();
        logger.info({ port }, 'name server stopped');
      })();
      return closing;
    },
  };
}
