/**
 * Wires the broker's metrics to its HTTP endpoint from `metricsPort` / `metricsHost`:
 * -1 turns it off; 0 (the default) means listenPort - 1, a port RocketMQ's layout leaves
 * unused (listenPort - 2 is the older clients' port, listenPort + 1 replication), or a free
 * port when listenPort is 0. A default port that is taken only costs a warning; a port the
 * operator chose must bind or the broker does not start.
 */
import type { BrokerContext } from '../coordinator/broker-context.ts';
import type { PullHoldService } from '../coordinator/pull-hold-service.ts';
import type { RemotingServerView } from './remoting-metrics.ts';
import { createBrokerMetrics } from './broker-metrics.ts';
import { MetricsServer } from './metrics-server.ts';

export interface MetricsEndpointOptions {
  ctx: BrokerContext;
  holds: Pick<PullHoldService, 'size'>;
  /** The client port actually bound. */
  listenPort: number;
  /** The remoting servers whose refusals are counted. */
  servers?: readonly RemotingServerView[];
}

export function metricsPortOf(
  config: Pick<BrokerContext['config'], 'metricsPort' | 'listenPort'>,
  listenPort: number,
): number | undefined {
  if (config.metricsPort === -1) return undefined;
  if (config.metricsPort > 0) return config.metricsPort;
  return config.listenPort === 0 ? 0 : Math.max(0, listenPort - 1);
}

export async function startMetricsEndpoint(
  options: MetricsEndpointOptions,
): Promise<MetricsServer | undefined> {
  const { ctx, holds } = options;
  const { config, logger } = ctx;
  const port = metricsPortOf(config, options.listenPort);
  if (port === undefined) return undefined;
  const host = config.metricsHost || config.listenHost;
  const metrics = createBrokerMetrics({
    ctx,
    traffic: ctx.traffic,
    heldPulls: () => holds.size,
    servers: options.servers,
    logger,
  });
  try {
    return await MetricsServer.start({
      host,
      port,
      contentType: metrics.contentType,
      render: () => metrics.render(),
      logger,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (config.metricsPort > 0)
      throw new Error(`cannot serve metrics on ${host}:${port} (metricsPort): ${reason}`, {
        cause: error,
      });
    logger.warn(
      { host, port, err: error },
      'metrics endpoint not started: the default metrics port is taken (set metricsPort, or -1 to turn it off)',
    );
    return undefined;
  }
}
